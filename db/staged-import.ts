/**
 * The bulk write path shared by `ds import` and `POST /api/v1/data/{name}/{version}` with a
 * CSV body (docs/writes.md): in the caller's transaction, the header is checked against the
 * dataset's fields, the CSV is streamed with COPY into a temporary staging table, and
 * `ds.import_staged` applies it like `ds.write` (conflict policy, checks, coverage,
 * invalidation, NOTIFY). Errors name the source and its line ("FILE line 3: ...",
 * "body line 3: ..."); nothing is written when one is raised (the caller rolls back).
 *
 * @example
 * await withTransaction(pool, (client) => importCsv(client, { name, version, header, csv: createReadStream(file), source: file }));
 */
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { DsError, toDsError } from "./errors.ts";

export interface CsvImport {
  name: string;
  version: string;
  /** The column names of the CSV's first line (csv-header.ts). */
  header: string[];
  /** The whole CSV, header line included. */
  csv: Readable;
  /** What errors name: a file path, or "body". */
  source: string;
  /** A tstzrange literal the writer declares complete, or null. */
  covers?: string | null;
}

export interface ImportResult {
  written: number;
  /** ISO 8601 in UTC with Z and microseconds when there are some; null when nothing was written. */
  first: string | null;
  last: string | null;
}

interface Target {
  table_name: string;
  schema: { name: string }[];
}

/** "2024-03-01 14:30:00.25+00" (a timestamptz in a UTC session) as 2024-03-01T14:30:00.25Z. */
export const isoFromUtcText = (text: string) => text.replace(" ", "T").replace(/\+00$/, "Z");

/** A COPY error as one line naming the source and line: "FILE line 3, column price: ...". */
function copyError(source: string, err: unknown): unknown {
  const e = err as { code?: string; message: string; where?: string; detail?: string };
  const at = /COPY \S+, (line \d+(?:, column \w+)?)/.exec(e.where ?? "")?.[1];
  if (!at || !/^(22|23)/.test(e.code ?? "")) return err;
  return new DsError("DS017", `${source} ${at}: ${e.message}`, {
    detail: "The file failed validation; nothing was written.",
    hint: "Write ts (ISO 8601, UTC unless it has an offset) and the fields of [schema]; an empty unquoted cell is null.",
  });
}

/** A DS017 or DS035 of ds.import_staged names "staged row N": in the CSV that is line N + 1 (after the header). */
function stagedRowError(source: string, err: unknown): unknown {
  const e = toDsError(err);
  if (!(e instanceof DsError) || (e.code !== "DS017" && e.code !== "DS035")) return e;
  const message = e.message.replace(/: staged row (\d+): /, (_m, n: string) => `: ${source} line ${Number(n) + 1}: `);
  return new DsError(e.code, message, { detail: e.detail, hint: e.hint, cause: err });
}

/** The CSV's shape: its header names every column of the dataset once, in any order (DS017). */
export function checkHeader(source: string, header: string[], expected: string[]): void {
  const unknown = header.find((c) => !expected.includes(c));
  const missing = expected.find((c) => !header.includes(c));
  const twice = header.find((c, i) => header.indexOf(c) !== i);
  if (unknown === undefined && missing === undefined && twice === undefined) return;
  throw new DsError("DS017", `${source} line 1: ${unknown !== undefined ? `unknown column "${unknown}"` : twice !== undefined ? `column "${twice}" appears twice` : `no column "${missing}"`}`, {
    detail: `the header names the columns: ${expected.join(", ")} (any order); nothing was written`,
    hint: `Start the file with the line ${expected.join(",")}.`,
  });
}

/** Stages and applies a CSV in the caller's transaction; see the module comment. */
export async function importCsv(client: pg.ClientBase, { name, version, header, csv, source, covers = null }: CsvImport): Promise<ImportResult> {
  // unknown (DS001), not a version (DS002), built rather than written (DS028): SQL says so
  const target = (await client.query<Target>("select table_name, schema from ds_server.write_target($1, $2)", [name, version])).rows[0]!;
  checkHeader(source, header, ["ts", ...target.schema.map((f) => f.name)]);
  await client.query("set local time zone 'UTC'");
  // table_name is ds_data."..." from format('%I'), like every name the catalog gives
  await client.query(`create temp table ds_import (like ${target.table_name} including defaults) on commit drop`);
  const columns = header.map((c) => `"${c}"`).join(", ");
  await pipeline(csv, client.query(copyFrom(`copy ds_import (${columns}) from stdin with (format csv, header true)`)))
    .catch((err: unknown) => Promise.reject(copyError(source, err)));
  // first and last as text: microseconds, which a Date would lose
  const row = (await client.query<{ written: string; first_ts: string | null; last_ts: string | null }>(
    "select written, first_ts::text, last_ts::text from ds.import_staged($1, $2, 'ds_import'::regclass, $3::tstzrange)",
    [name, version, covers]).catch((err: unknown) => Promise.reject(stagedRowError(source, err)))).rows[0]!;
  return { written: Number(row.written), first: row.first_ts && isoFromUtcText(row.first_ts), last: row.last_ts && isoFromUtcText(row.last_ts) };
}
