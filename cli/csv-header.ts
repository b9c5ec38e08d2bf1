/**
 * The header line of a CSV file (RFC 4180: fields may be quoted, "" is a quote), read
 * without loading the file: `ds import` checks it against the dataset's fields before
 * streaming the rest with COPY.
 *
 * @example
 * csvHeader("ticks.csv"); // ["ts", "ticker", "seq", "price", "size"]
 */
import { closeSync, openSync, readSync } from "node:fs";
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
  const text = buffer.subarray(0, length).toString("utf8").replace(/^\uFEFF/, "");
  const names: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") (names.push(field), (field = ""));
    else if (c === "\n" || c === "\r") return [...names, field];
    else field += c;
  }
  if (length === 0) throw new DsError("DS017", `${file} is empty`, { hint: "Start the file with a header line: ts and the dataset's fields." });
  if (length === MAX_HEADER) throw new DsError("DS017", `${file} line 1: no end of the header line in its first ${MAX_HEADER} bytes`);
  return [...names, field];
}
