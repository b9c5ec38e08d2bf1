/**
 * The rows of a CSV body (RFC 4180: quoted fields, "" for a quote, CRLF or LF), parsed by
 * csv-parse, as objects keyed by the header line's names. A truncated body (a quote left
 * open, a short last line) is a SyntaxError, which the source retries like a truncated page.
 *
 * @example
 * csvRows("time,close\n2024-01-01,1.5\n"); // [{ time: "2024-01-01", close: "1.5" }]
 */
import { parse } from "csv-parse/sync";

export function csvRows(text: string): Record<string, string>[] {
  try {
    return parse(text, { bom: true, columns: true, skip_empty_lines: true, record_delimiter: ["\r\n", "\n", "\r"] }) as Record<string, string>[];
  } catch (err) {
    const e = err as { code?: string; message: string };
    if (e.code === "CSV_QUOTE_NOT_CLOSED") throw new SyntaxError(`CSV body ends inside a quoted field (truncated?): ${e.message}`);
    if (e.code === "CSV_RECORD_INCONSISTENT_COLUMNS") throw new SyntaxError(`CSV ${e.message} (truncated?)`);
    throw err;
  }
}
