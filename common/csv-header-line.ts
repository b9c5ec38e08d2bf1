/**
 * The column names of a CSV's first line (RFC 4180, parsed by csv-parse: fields may be
 * quoted, "" is a quote; a leading byte-order mark is ignored), from the text read so far:
 * `ds import` reads it from the start of its file, the HTTP write route from the first
 * chunks of the request body.
 *
 * @example
 * csvHeaderLine("ts,ticker,\"pr,ice\"\n2024-...", false); // ["ts", "ticker", "pr,ice"]
 * csvHeaderLine("ts,tick", false); // null: the line has not ended yet
 */
import { parse } from "csv-parse/sync";

/** The first line of `text` up to its line break (outside quotes); null when it has none. */
function firstLine(text: string): string | null {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (!quoted && (text[i] === "\n" || text[i] === "\r")) return text.slice(0, i);
  }
  return null;
}

/** The names of the first line of `text`; null when it does not end in `text` unless `complete` (the text is all there is). */
export function csvHeaderLine(text: string, complete: boolean): string[] | null {
  const line = firstLine(text) ?? (complete ? text : null);
  if (line === null) return null;
  if (line.replace(/^\uFEFF/, "") === "") return [""];
  return (parse(line, { bom: true, relax_quotes: true }) as string[][])[0] ?? [""];
}
