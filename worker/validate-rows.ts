/**
 * Validation of a builder's rows against the dataset's schema: every field present, no
 * extra field, no null unless the field is nullable, and the type checks of
 * field-types.ts. Written by hand rather than with zod because it runs once per row on
 * the write path (a million rows per build are common).
 */
import { DsError } from "../db/errors.ts";
import { checks, type Field } from "./field-types.ts";

export type Row = Record<string, unknown>;

export function validateRows(rows: unknown, fields: Field[], where: string): Row[] {
  if (!Array.isArray(rows)) {
    throw invalid(where, `the builder returned ${describe(rows)} instead of an array of rows`);
  }
  const names = new Set(fields.map((f) => f.name));
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as Row;
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      throw invalid(where, `row ${i} is ${describe(row)}, not an object`);
    }
    for (const f of fields) {
      const v = row[f.name];
      if (v === undefined) {
        if (!(f.name in row)) throw invalid(where, `row ${i} has no field "${f.name}"`);
      }
      if (v === null || v === undefined) {
        if (!f.nullable) throw invalid(where, `row ${i}: field "${f.name}" is ${v} but not nullable`);
        continue;
      }
      const problem = checks[f.type](v);
      if (problem) throw invalid(where, `row ${i}: field "${f.name}" (${f.type}): ${problem}, got ${describe(v)}`);
    }
    for (const k in row) {
      if (!names.has(k)) throw invalid(where, `row ${i} has a field "${k}" that is not in the schema`);
    }
  }
  return rows as Row[];
}

function invalid(where: string, message: string): DsError {
  return new DsError("DS017", `${where}: ${message}`, {
    detail: "Builder output failed validation; nothing of this chunk was written.",
    hint: "Return one object per row with exactly the fields of [schema] in config.toml.",
  });
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return "an array";
  if (v instanceof Date) return `Date ${Number.isNaN(v.getTime()) ? "Invalid" : v.toISOString()}`;
  return typeof v === "object" ? "an object" : typeof v;
}
