/**
 * The schema field types of datasets, how a builder's value of each type is checked, and
 * how it is written in COPY's text format. One table so that validation and writing
 * cannot disagree.
 */

export type FieldType = "str" | "int" | "float" | "bool" | "numeric" | "date" | "timestamp" | "json";

export interface Field {
  name: string;
  type: FieldType;
  nullable: boolean;
}

/** Returns an error message, or undefined when the value fits the type. */
type Check = (value: unknown) => string | undefined;

const isDate = (v: unknown): v is Date => v instanceof Date && !Number.isNaN(v.getTime());

export const checks: Record<FieldType, Check> = {
  str: (v) => (typeof v === "string" ? undefined : "expected a string"),
  int: (v) =>
    typeof v === "bigint" || (typeof v === "number" && Number.isSafeInteger(v))
      ? undefined
      : typeof v === "number" && Number.isInteger(v)
        ? "integer outside the safe range: pass a bigint"
        : "expected an integer",
  float: (v) => (typeof v === "number" ? (Number.isFinite(v) ? undefined : "NaN and Infinity are not allowed") : "expected a number"),
  bool: (v) => (typeof v === "boolean" ? undefined : "expected true or false"),
  numeric: (v) =>
    typeof v === "number"
      ? Number.isFinite(v) ? undefined : "NaN and Infinity are not allowed"
      : typeof v === "bigint" || (typeof v === "string" && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v))
        ? undefined
        : "expected a number or a decimal string",
  date: (v) =>
    isDate(v) || (typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)))
      ? undefined
      : "expected a Date or a YYYY-MM-DD string",
  timestamp: (v) =>
    isDate(v) || (typeof v === "string" && !Number.isNaN(Date.parse(v))) ? undefined : "expected a Date or an ISO 8601 string",
  json: (v) => {
    try {
      return JSON.stringify(v) === undefined ? "expected a JSON value" : undefined;
    } catch {
      return "expected a JSON value";
    }
  },
};

/** Escape for COPY text format: backslash, tab, newline and carriage return. */
function escapeText(s: string): string {
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r")) : s;
}

export const copyText: Record<FieldType, (value: unknown) => string> = {
  str: (v) => escapeText(v as string),
  int: (v) => String(v),
  float: (v) => String(v),
  bool: (v) => (v ? "t" : "f"),
  numeric: (v) => String(v),
  date: (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : (v as string)),
  timestamp: (v) => (v instanceof Date ? v.toISOString() : escapeText(v as string)),
  json: (v) => escapeText(JSON.stringify(v)),
};
