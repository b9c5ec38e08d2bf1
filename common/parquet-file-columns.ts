/**
 * The columns of a Parquet file to import, from any writer (ours, DuckDB, pyarrow, Spark):
 * what kind of values each holds, which schema types of ours take that kind, and each value
 * as COPY text, exactly (docs/parquet.md has the table).
 *
 * hyparquet decodes a DECIMAL to a float and a timestamp to a Date (milliseconds): both
 * lose digits. So DECIMAL columns are read undecorated (their unscaled integers) and
 * formatted here with their scale, and timestamps come through parsers as microseconds
 * (bigint). Hand-written for that reason: about 40 lines.
 */
import type { SchemaElement } from "hyparquet";
import type { ParquetParsers } from "hyparquet/src/types.js";
import { copyText } from "../worker/field-types.ts";
import type { FieldType } from "../worker/field-types.ts";

export type ValueKind = "timestamp" | "date" | "int" | "float" | "bool" | "string" | "json" | "decimal";

/** The kinds each of our types takes (ts: timestamp). A value PostgreSQL then refuses is a DS017 naming the row. */
export const accepts: Record<FieldType | "ts", readonly ValueKind[]> = {
  ts: ["timestamp"],
  timestamp: ["timestamp"],
  str: ["string"],
  int: ["int"],
  float: ["float", "int", "decimal"],
  numeric: ["decimal", "int", "float", "string"],
  bool: ["bool"],
  date: ["date"],
  json: ["json", "string"],
};

/** The kind of a file's column, or null for one we cannot take (nested, repeated, binary, time of day, interval...). */
export function valueKind(e: SchemaElement): ValueKind | null {
  const logical = e.logical_type?.type;
  const converted = e.converted_type;
  if (e.num_children || e.repetition_type === "REPEATED") return null;
  if (logical === "DECIMAL" || converted === "DECIMAL") return "decimal";
  if (logical === "TIMESTAMP" || converted === "TIMESTAMP_MILLIS" || converted === "TIMESTAMP_MICROS" || e.type === "INT96") return "timestamp";
  if (logical === "DATE" || converted === "DATE") return "date";
  if (logical === "JSON" || converted === "JSON") return "json";
  if (logical !== undefined && logical !== "STRING" && logical !== "ENUM" && logical !== "INTEGER") return null;
  if (converted !== undefined && !/^(UTF8|ENUM|U?INT_(8|16|32|64))$/.test(converted)) return null;
  switch (e.type) {
    case "BOOLEAN": return "bool";
    case "INT32": case "INT64": return "int";
    case "FLOAT": case "DOUBLE": return "float";
    // a BYTE_ARRAY without annotation is text for most writers (pyarrow's large_string, Spark's string)
    case "BYTE_ARRAY": return "string";
    default: return null;
  }
}

/** How the file names a column's type in messages: DOUBLE, BYTE_ARRAY (STRING), INT64 (TIMESTAMP)... */
export function typeLabel(e: SchemaElement): string {
  const annotation = e.logical_type?.type ?? e.converted_type;
  return `${e.type ?? "group"}${annotation ? ` (${annotation})` : ""}`;
}

const text = new TextDecoder("utf-8", { fatal: true });
const bytesText = (v: string | Uint8Array) => (typeof v === "string" ? v : text.decode(v));

/** hyparquet's parsers for exact values: timestamps as bigint microseconds, dates as days, text undecoded for JSON. */
export const exactParsers: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (ms: bigint) => BigInt(ms) * 1000n,
  timestampFromMicroseconds: (us: bigint) => BigInt(us),
  // PostgreSQL keeps microseconds: nanoseconds are cut (toward the past)
  timestampFromNanoseconds: (ns: bigint) => floorDiv(BigInt(ns), 1000n),
  dateFromDays: (days: number) => days,
  jsonFromBytes: (bytes: Uint8Array) => bytes,
};

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}

/**
 * Microseconds from the Unix epoch as ISO 8601 UTC with six decimals. Numbers while exact
 * (BigInt arithmetic is slow), and the text of the second kept from one value to the next
 * (rows of a file are mostly in ts order): toISOString was most of an import's time.
 */
function microsIso(): (us: number | bigint) => string {
  let second = NaN;
  let prefix = "";
  return (us) => {
    let n = Number(us);
    if (!Number.isSafeInteger(n)) {
      const ms = floorDiv(BigInt(us), 1000n);
      const iso = new Date(Number(ms)).toISOString();
      return `${iso.slice(0, -1)}${String(BigInt(us) - ms * 1000n).padStart(3, "0")}Z`;
    }
    const s = Math.floor(n / 1_000_000);
    if (s !== second) {
      second = s;
      prefix = new Date(s * 1000).toISOString().slice(0, -5); // without ".000Z"
    }
    n -= s * 1_000_000;
    return `${prefix}.${n < 10 ? "00000" : n < 100 ? "0000" : n < 1000 ? "000" : n < 10000 ? "00" : n < 100000 ? "0" : ""}${n}Z`;
  };
}

/** An unscaled DECIMAL (INT32, INT64, or big-endian two's complement bytes) with its scale, as decimal text. */
function decimalText(unscaled: number | bigint | Uint8Array, scale: number): string {
  let n: bigint;
  if (unscaled instanceof Uint8Array) {
    n = 0n;
    for (const byte of unscaled) n = (n << 8n) | BigInt(byte);
    if (unscaled.length && unscaled[0]! & 0x80) n -= 1n << BigInt(unscaled.length * 8);
  } else n = BigInt(unscaled);
  const digits = (n < 0n ? -n : n).toString().padStart(scale + 1, "0");
  const point = digits.length - scale;
  return `${n < 0n ? "-" : ""}${digits.slice(0, point)}${scale > 0 ? `.${digits.slice(point)}` : ""}`;
}

/** The COPY text (format text) of a non-null value of that kind; `scale` for decimals. */
export function copyValue(kind: ValueKind, scale: number): (v: unknown) => string {
  switch (kind) {
    case "timestamp": {
      const iso = microsIso();
      return (v) => iso(v as number | bigint);
    }
    case "date": return (v) => new Date((v as number) * 86_400_000).toISOString().slice(0, 10);
    case "int": return (v) => String(v);
    case "float": return (v) => String(v);
    case "bool": return (v) => (v ? "t" : "f");
    case "decimal": return (v) => decimalText(v as number | bigint | Uint8Array, scale);
    case "string": case "json": return (v) => copyText.str(bytesText(v as string | Uint8Array));
  }
}
