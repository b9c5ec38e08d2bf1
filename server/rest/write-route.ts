/**
 * POST /api/v1/data/{name}/{version}[?covers=START/END]: rows written into a dataset fed
 * from outside ([write] in config.toml), through the SQL write path (docs/writes.md), in one
 * transaction: the dataset's conflict policy, coverage, the invalidation and refresh of
 * dependents, the NOTIFY that push clients follow, and the same DS errors as ds.write.
 *
 * - `content-type: application/json`: an array of row objects `[{"ts": ..., field: value}]`
 *   or `{"rows": [...]}`, handed to ds.write as the request's text (numbers keep every digit).
 * - `content-type: text/csv`: a header line (ts and the fields, any order) then rows, as
 *   `ds import` reads a file; streamed into COPY and ds.import_staged (db/staged-import.ts).
 *
 * Answer: 200 {"dataset_name", "dataset_version", "written", "first", "last"} (rows inserted
 * or changed, and their first and last ts). A bad row is a 422 naming it (DS017, "rows[3]"
 * or "body line 4"); a body over DS_MAX_WRITE_BYTES a 413 (DS058); a body that is not rows a
 * 400 (DS057), 415 for another content type. Nothing is written when an error is answered.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { csvHeaderLine } from "../../common/csv-header-line.ts";
import { DsError, toDsError } from "../../db/errors.ts";
import { importCsv, isoFromUtcText, type ImportResult } from "../../db/staged-import.ts";
import { withTransaction } from "../../db/transaction.ts";
import { limitsOf, type ServerContext } from "../mount.ts";
import type { Target } from "./data-route.ts";
import { HttpError } from "./http-error.ts";
import { sendJson } from "./reply.ts";
import { parseTimestamp } from "./request-params.ts";

const writeSql = `
  select written, first_ts::text, last_ts::text
  from ds.write($1, $2, case when jsonb_typeof($3::jsonb) = 'array' then $3::jsonb else $3::jsonb -> 'rows' end, $4::tstzrange)`;

function notRows(message: string, status = 400): HttpError {
  return new HttpError(status, message, {
    code: "DS057",
    body: { detail: message, code: "DS057", hint: 'Send content-type application/json with [{"ts": "2024-03-01T14:30:00Z", ...}] or {"rows": [...]}, or text/csv with a header line.' },
  });
}

function tooLarge(max: number): HttpError {
  const detail = `the request body is over the limit of ${max} bytes; nothing was written`;
  return new HttpError(413, detail, {
    code: "DS058", headers: { connection: "close" },
    body: { detail, code: "DS058", hint: "Split the rows into several requests, or raise DS_MAX_WRITE_BYTES." },
  });
}

/** The body's chunks, failing with DS058 past `max` bytes (Content-Length is checked first). */
async function* limitedBody(req: IncomingMessage, max: number): AsyncGenerator<Buffer> {
  if (Number(req.headers["content-length"] ?? 0) > max) throw tooLarge(max);
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > max) throw tooLarge(max);
    yield chunk;
  }
}

/** `covers=START/END`: a range the writer declares complete, as a tstzrange literal. */
function coversParam(query: URLSearchParams): string | null {
  const text = query.get("covers");
  if (text === null) return null;
  const [start, end, extra] = text.split("/");
  if (start === undefined || end === undefined || extra !== undefined) throw notRows(`covers "${text}" is not START/END`);
  return `[${parseTimestamp(start)},${parseTimestamp(end)}]`;
}

/** JSON rows through ds.write: the body is parsed once here only to refuse what is not rows with DS057. */
async function writeJson(ctx: ServerContext, req: IncomingMessage, { name, version }: Target, covers: string | null): Promise<ImportResult> {
  const chunks: Buffer[] = [];
  for await (const chunk of limitedBody(req, limitsOf(ctx).maxWriteBytes)) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString("utf8");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw notRows(`the body is not JSON: ${(err as Error).message}`);
  }
  const isObject = typeof body === "object" && body !== null && !Array.isArray(body);
  if (!Array.isArray(body) && !(isObject && Object.keys(body as object).length === 1 && Array.isArray((body as { rows?: unknown }).rows))) {
    throw notRows('the body must be an array of rows or {"rows": [...]}');
  }
  const row = await withTransaction(ctx.pool, async (client) => {
    await client.query("set local time zone 'UTC'");
    return (await client.query<{ written: string; first_ts: string | null; last_ts: string | null }>(writeSql, [name, version, text, covers])).rows[0]!;
  });
  return { written: Number(row.written), first: row.first_ts && isoFromUtcText(row.first_ts), last: row.last_ts && isoFromUtcText(row.last_ts) };
}

/** CSV rows through COPY and ds.import_staged: the header is read from the first chunks, the rest streams. */
async function writeCsv(ctx: ServerContext, req: IncomingMessage, { name, version }: Target, covers: string | null): Promise<ImportResult> {
  const chunks = limitedBody(req, limitsOf(ctx).maxWriteBytes);
  const head: Buffer[] = [];
  let header: string[] | null = null;
  for (;;) {
    const next = await chunks.next();
    if (!next.done) head.push(next.value);
    header = csvHeaderLine(Buffer.concat(head).toString("utf8"), next.done === true);
    if (header !== null || next.done) break;
  }
  if (header === null || (header.length === 1 && header[0] === "")) throw notRows("the CSV body is empty: it needs a header line (ts and the dataset's fields)");
  const csv = Readable.from((async function* () {
    yield* head;
    yield* chunks;
  })());
  return withTransaction(ctx.pool, (client) => importCsv(client, { name, version, header: header!, csv, source: "body", covers }));
}

export async function postData(ctx: ServerContext, res: ServerResponse, target: Target, query: URLSearchParams, req: IncomingMessage): Promise<void> {
  const covers = coversParam(query);
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  const json = type === "application/json" || /^application\/[a-z.-]+\+json$/.test(type);
  if (!json && type !== "text/csv") {
    throw notRows(`content-type ${type || "(none)"} is not a body of rows: send application/json or text/csv`, 415);
  }
  let result: ImportResult;
  try {
    result = await (json ? writeJson : writeCsv)(ctx, req, target, covers);
  } catch (err) {
    // the rows are the client's: a bad one is a 422 here, not the 500 of a builder's bad output
    const e = toDsError(err);
    if (e instanceof DsError && e.code === "DS017") throw new HttpError(422, e.message, { body: { detail: e.detail ? `${e.message} (${e.detail})` : e.message, code: e.code, hint: e.hint } });
    if (!req.complete) res.setHeader("connection", "close"); // the rest of the body is not read
    throw e;
  }
  sendJson(res, 200, { dataset_name: target.name, dataset_version: target.version, ...result });
}
