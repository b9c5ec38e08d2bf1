/**
 * Printing rows for people and scripts: an aligned table, CSV (RFC 4180) or one JSON
 * array of objects. Cells are plain values: null, strings, booleans, Dates (printed as
 * ISO 8601 UTC), exact JSON numbers from `parseJsonExact`, and JSON objects or arrays.
 *
 * @example
 * formatRows("csv", [{ name: "ts" }, { name: "value" }], [[new Date(0), 1]]);
 * // "ts,value\n1970-01-01T00:00:00Z,1\n"
 */

export type RowFormat = "table" | "csv" | "json";
export const rowFormats: readonly RowFormat[] = ["table", "csv", "json"];

export interface Column {
  name: string;
  /** Right-aligned in a table (numbers). */
  right?: boolean;
}

interface RawJson {
  rawJSON: string;
}
// JSON.rawJSON and the reviver's source text (Node >= 21) are not in TypeScript's lib yet.
const exactJson = JSON as JSON & { rawJSON(text: string): RawJson; isRawJSON(value: unknown): value is RawJson };

/** JSON.parse that keeps every number's text (a bigint or numeric loses no digit). */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text, (_key, value, context?: { source: string }) =>
    typeof value === "number" && context ? exactJson.rawJSON(context.source) : value);
}

/** ISO 8601 in UTC, without milliseconds when they are zero. */
export function isoUtc(date: Date): string {
  return date.toISOString().replace(".000Z", "Z");
}

/** The text of a cell in a table or CSV; null is empty. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return isoUtc(value);
  if (exactJson.isRawJSON(value)) return value.rawJSON;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function formatTable(columns: Column[], rows: unknown[][]): string {
  // a line break or tab inside a cell would break the alignment: shown escaped
  const texts = rows.map((row) => row.map((v) => cellText(v).replace(/[\r\n\t]/g, (c) => JSON.stringify(c).slice(1, -1))));
  const widths = columns.map((c, i) => Math.max(c.name.length, ...texts.map((t) => t[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (columns[i]!.right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join("  ").trimEnd();
  return [
    line(columns.map((c) => c.name)),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...texts.map(line),
    `(${rows.length} row${rows.length === 1 ? "" : "s"})`,
  ].join("\n") + "\n";
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function formatCsv(columns: Column[], rows: unknown[][]): string {
  return [columns.map((c) => c.name), ...rows.map((row) => row.map(cellText))]
    .map((cells) => cells.map(csvField).join(",") + "\n").join("");
}

/** One JSON array, one object per line. */
export function formatJson(columns: Column[], rows: unknown[][]): string {
  const objects = rows.map((row) =>
    JSON.stringify(Object.fromEntries(columns.map((c, i) => [c.name, row[i] instanceof Date ? isoUtc(row[i] as Date) : (row[i] ?? null)]))));
  return objects.length ? `[\n${objects.join(",\n")}\n]\n` : "[]\n";
}

export function formatRows(format: RowFormat, columns: Column[], rows: unknown[][]): string {
  return { table: formatTable, csv: formatCsv, json: formatJson }[format](columns, rows);
}
