/**
 * How each column of a dataset is written to Parquet (docs/parquet.md): its Parquet schema
 * element, and the SQL expression that reads it from the typed range read exactly, in the
 * binary COPY form that copy-binary-columns.ts decodes into the values hyparquet-writer takes.
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
import type { BinaryKind } from "./copy-binary-columns.ts";

export interface ParquetColumn {
  name: string;
  element: SchemaElement;
  /** The select-list expression over the typed read `t`. */
  select: string;
  /** How its binary COPY value is decoded. */
  kind: BinaryKind;
}

const TIMESTAMP = { type: "INT64", converted_type: "TIMESTAMP_MICROS", logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MICROS" } } as const;

type Mapping = { element: Omit<SchemaElement, "name" | "repetition_type">; select?: (column: string) => string; kind: BinaryKind };
const STRING = { type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" } } as const;

const mappings: Record<FieldType | "ts", Mapping> = {
  ts: { element: TIMESTAMP, kind: "timestamp" },
  timestamp: { element: TIMESTAMP, kind: "timestamp" },
  // text as its UTF-8 bytes: hyparquet-writer takes them as they are (a string it would encode again)
  str: { element: STRING, kind: "bytes" },
  int: { element: { type: "INT64" }, kind: "int8" },
  float: { element: { type: "DOUBLE" }, kind: "float8" },
  bool: { element: { type: "BOOLEAN" }, kind: "bool" },
  // numeric's own text: every digit and its scale (12.2500 stays 12.2500)
  numeric: { element: STRING, select: (c) => `t.${c}::text`, kind: "bytes" },
  date: { element: { type: "INT32", converted_type: "DATE", logical_type: { type: "DATE" } }, select: (c) => `(t.${c} - date '1970-01-01')`, kind: "int4" },
  // the logical type only while writing: hyparquet-writer would JSON.stringify a value under converted_type
  // JSON (jsonNamedInFooter adds it for the footer, where readers such as DuckDB look for it)
  json: { element: { type: "BYTE_ARRAY", logical_type: { type: "JSON" } }, select: (c) => `t.${c}::text`, kind: "bytes" },
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
    select: m.select ? m.select(ident(name)) : `t.${ident(name)}`,
    kind: m.kind,
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
