/**
 * The header line of a CSV file (common/csv-header-line.ts), read without loading the
 * file: `ds import` checks it against the dataset's fields before streaming the rest with COPY.
 *
 * @example
 * csvHeader("ticks.csv"); // ["ts", "ticker", "seq", "price", "size"]
 */
import { closeSync, openSync, readSync } from "node:fs";
import { csvHeaderLine } from "../common/csv-header-line.ts";
import { DsError } from "../db/errors.ts";

const MAX_HEADER = 65536;

/** The column names of the first line of `file` (a leading byte-order mark is ignored). */
export function csvHeader(file: string): string[] {
  const buffer = Buffer.alloc(MAX_HEADER);
  const fd = openSync(file, "r");
  let length: number;
  try {
    length = readSync(fd, buffer, 0, MAX_HEADER, 0);
  } finally {
    closeSync(fd);
  }
  if (length === 0) throw new DsError("DS017", `${file} is empty`, { hint: "Start the file with a header line: ts and the dataset's fields." });
  const names = csvHeaderLine(buffer.subarray(0, length).toString("utf8"), length < MAX_HEADER);
  if (names === null) throw new DsError("DS017", `${file} line 1: no end of the header line in its first ${MAX_HEADER} bytes`);
  return names;
}
