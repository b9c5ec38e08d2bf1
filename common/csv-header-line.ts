/**
 * The column names of a CSV's first line (RFC 4180: fields may be quoted, "" is a quote; a
 * leading byte-order mark is ignored), from the text read so far: `ds import` reads it from
 * the start of its file, the HTTP write route from the first chunks of the request body.
 *
 * @example
 * csvHeaderLine("ts,ticker,\"pr,ice\"\n2024-...", false); // ["ts", "ticker", "pr,ice"]
 * csvHeaderLine("ts,tick", false); // null: the line has not ended yet
 */

/** The names of the first line of `text`; null when it does not end in `text` unless `complete` (the text is all there is). */
export function csvHeaderLine(text: string, complete: boolean): string[] | null {
  text = text.replace(/^\uFEFF/, "");
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
  return complete ? [...names, field] : null;
}
