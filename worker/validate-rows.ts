/**
 * Validation of a builder's rows against the dataset's schema: every field present, no
 * extra field, no null unless the field is nullable, and the type checks of
 * field-types.ts. Written by hand rather than with zod because it runs once per row on
 * the write path (a million rows per build are common): `rowValidator` compiles the
 * schema once per chunk.
 */
import { DsError } from "../db/errors.ts";
import { checks, type Field } from "./field-types.ts";

// the builder contract's row (builders/builder-types.ts is the one module of the contract)
import type { Row } from "../builders/builder-types.ts";
export type { Row };

/** Validates the rows of one point; `where` names the point, computed only on failure. */
export type RowValidator = (rows: unknown, where: () => string) => Row[];

export function rowValidator(fields: Field[]): RowValidator {
  const names = fields.map((f) => f.name);
  const nullable = fields.map((f) => f.nullable);
  const check = fields.map((f) => checks[f.type]);
  const known = new Set(names);
  const n = fields.length;
  return (rows, where) => {
    if (!Array.isArray(rows)) throw invalid(where(), `the builder returned ${describe(rows)} instead of an array of rows`);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as Row;
      if (row === null || typeof row !== "object" || Array.isArray(row)) throw invalid(where(), `row ${i} is ${describe(row)}, not an object`);
      for (let j = 0; j < n; j++) {
        const v = row[names[j]!];
        if (v === null || v === undefined) {
          if (v === undefined && !(names[j]! in row)) throw invalid(where(), `row ${i} has no field "${names[j]}"`);
          if (!nullable[j]) throw invalid(where(), `row ${i}: field "${names[j]}" is ${v} but not nullable`);
          continue;
        }
        const problem = check[j]!(v);
        if (problem) throw invalid(where(), `row ${i}: field "${names[j]}" (${fields[j]!.type}): ${problem}, got ${describe(v)}`);
      }
      // every field is present, so any key beyond n is one the schema does not have
      let keys = 0;
      for (const _ in row) keys++;
      if (keys > n) {
        for (const extra in row) if (!known.has(extra)) throw invalid(where(), `row ${i} has a field "${extra}" that is not in the schema`);
      }
    }
    return rows as Row[];
  };
}

/** One-off validation (tests, dry runs of a single point). */
export function validateRows(rows: unknown, fields: Field[], where: string): Row[] {
  return rowValidator(fields)(rows, () => where);
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
