/**
 * The rows a task of some keys keeps (a rebuild of stale points, docs/writes.md): those
 * whose key columns equal one of the task's key objects. Key objects come from jsonb
 * (timestamps as ISO strings with an offset, dates as strings, int as numbers); builder
 * rows hold Dates, bigints, numbers: both sides are normalized per field type.
 */
import type { Field, FieldType } from "./field-types.ts";
import type { Row } from "./validate-rows.ts";

function normalize(type: FieldType, v: unknown): string {
  if (v === null || v === undefined) return "\0null";
  switch (type) {
    case "timestamp":
      return String(v instanceof Date ? v.getTime() : Date.parse(String(v)));
    case "date":
      return v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10);
    case "int":
      return typeof v === "bigint" ? v.toString() : String(Number(v));
    case "float":
    case "numeric":
      return String(Number(v));
    case "json":
      return JSON.stringify(v);
    default:
      return String(v);
  }
}

/** A predicate keeping the rows whose key is one of `keys`. */
export function keyFilter(schema: Field[], key: string[], keys: Record<string, unknown>[]): (row: Row) => boolean {
  const types = key.map((k) => schema.find((f) => f.name === k)!.type);
  const text = (get: (k: string) => unknown) => key.map((k, i) => normalize(types[i]!, get(k))).join("\u0001");
  const wanted = new Set(keys.map((o) => text((k) => o[k])));
  return (row) => wanted.has(text((k) => row[k]));
}
