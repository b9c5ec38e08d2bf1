/**
 * The rows of a CSV body (RFC 4180: quoted fields, "" for a quote, CRLF or LF) as objects
 * keyed by the header line's names. Written by hand (about 30 lines): no CSV library is
 * installed, and a vendor's answer is one small page held in memory anyway.
 *
 * @example
 * csvRows("time,close\n2024-01-01,1.5\n"); // [{ time: "2024-01-01", close: "1.5" }]
 */
export function csvRows(text: string): Record<string, string>[] {
  const lines: string[][] = [];
  let line: string[] = [];
  let field = "";
  let quoted = false;
  const src = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") (line.push(field), (field = ""));
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && src[i + 1] === "\n") i++;
      line.push(field), (field = "");
      lines.push(line), (line = []);
    } else field += c;
  }
  if (quoted) throw new SyntaxError("CSV body ends inside a quoted field (truncated?)");
  if (field !== "" || line.length > 0) (line.push(field), lines.push(line));
  const [header, ...body] = lines.filter((l) => !(l.length === 1 && l[0] === ""));
  if (!header) return [];
  return body.map((cells, n) => {
    if (cells.length !== header.length) throw new SyntaxError(`CSV line ${n + 2} has ${cells.length} fields, the header ${header.length} (truncated?)`);
    return Object.fromEntries(header.map((name, i) => [name, cells[i]!]));
  });
}
