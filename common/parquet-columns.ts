/**
 * How each column of a dataset is written to Parquet (docs/parquet.md): its Parquet schema
 * element, the SQL expression that reads it from the typed range read exactly (as text,
 * parsed here without loss), and the value hyparquet-writer takes.
 *
 * | ours | PostgreSQL | Parquet (physical, logical) | why |
 * |---|---|---|---|
 * | ts, timestamp | timestamptz | INT64, TIMESTAMP(isAdjustedToUTC, MICROS) | PostgreSQL's precision, exactly |
 * | str | text | BYTE_ARRAY, STRING | |
 * | int | bigint | INT64 | |
 * | float | double precision | DOUBLE | the same IEEE 754 value |
 * | bool | boolean | BOOLEAN | |
 * | numeric | numeric | BYTE_ARRAY, STRING (its decimal text) | a DECIMAL has one scale and at most 38 digits for most readers; numeric has neither limit |
 * | date | date | INT32, DATE | |
 * | json | jsonb | BYTE_ARRAY, JSON | jsonb's text |
 *
 * Non-nullable fields and the key are REQUIRED columns, nullable ones OPTIONAL.
 *
 * @example
 * parquetColumn({ name: "close", type: "float", nullable: false }).element;
 * // { name: "close", type: "DOUBLE", repetition_type: "REQUIRED" }
 */
import type { SchemaElement } from "hyparquet-writer";
import type { Field, FieldType } from "../worker/field-types.ts";

export interface ParquetColumn {
  name: string;
  element: SchemaElement;
  /** The select-list expression over the typed read `t`, giving text that `value` parses. */
  select: string;
  /** The value for hyparquet-writer from the expression's text (never null: nulls are kept apart). */
  value: (text: string) => unknown;
}

const utf8 = new TextEncoder();
const micros = (column: string) => `(extract(epoch from t.${column}) * 1000000)::int8`;
const TIMESTAMP = { type: "INT64", converted_type: "TIMESTAMP_MICROS", logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MICROS" } } as const;

type Mapping = { element: Omit<SchemaElement, "name" | "repetition_type">; select: (column: string) => string; value: (text: string) => unknown };

const mappings: Record<FieldType | "ts", Mapping> = {
  ts: { element: TIMESTAMP, select: micros, value: BigInt },
  timestamp: { element: TIMESTAMP, select: micros, value: BigInt },
  str: { element: { type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" } }, select: (c) => `t.${c}`, value: (s) => s },
  int: { element: { type: "INT64" }, select: (c) => `t.${c}`, value: BigInt },
  // float8out's shortest exact text (extra_float_digits = 1, the default) parses back to the same double
  float: { element: { type: "DOUBLE" }, select: (c) => `t.${c}`, value: Number },
  bool: { element: { type: "BOOLEAN" }, select: (c) => `t.${c}`, value: (s) => s === "true" },
  numeric: { element: { type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" } }, select: (c) => `t.${c}`, value: (s) => s },
  date: { element: { type: "INT32", converted_type: "DATE", logical_type: { type: "DATE" } }, select: (c) => `(t.${c} - date '1970-01-01')`, value: Number },
  // the logical type only while writing: hyparquet-writer would JSON.stringify a value under converted_type
  // JSON (jsonNamedInFooter adds it for the footer, where readers such as DuckDB look for it)
  json: { element: { type: "BYTE_ARRAY", logical_type: { type: "JSON" } }, select: (c) => `t.${c}`, value: (s) => utf8.encode(s) },
};

/** A quoted identifier (field names match ^[a-z_][a-z0-9_]*$, checked at registration; quoted anyway). */
const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The Parquet column of ts (`field` undefined) or of a schema field. */
export function parquetColumn(field?: Field): ParquetColumn {
  const name = field?.name ?? "ts";
  const m = mappings[field?.type ?? "ts"];
  return {
    name,
    element: { name, ...m.element, repetition_type: field?.nullable ? "OPTIONAL" : "REQUIRED" },
    select: `${m.select(ident(name))}::text`,
    value: m.value,
  };
}

/** The columns of a dataset version's file: ts, then its fields in schema order. */
export function parquetColumns(fields: Field[]): ParquetColumn[] {
  return [parquetColumn(), ...fields.map((f) => parquetColumn(f))];
}

/**
 * Names JSON columns by their converted type too, in the schema the footer is written from
 * (call it after the last row group): DuckDB reads a JSON column without it as BLOB.
 */
export function jsonNamedInFooter(schema: SchemaElement[]): void {
  for (const e of schema) if (e.logical_type?.type === "JSON") e.converted_type = "JSON";
}
