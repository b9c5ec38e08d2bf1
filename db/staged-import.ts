/**
 * The bulk write path shared by `ds import` (CSV or Parquet) and `POST
 * /api/v1/data/{name}/{version}` with a CSV body (docs/writes.md): in the caller's
 * transaction, the rows are streamed with COPY into a temporary staging table, and
 * `ds.import_staged` applies it like `ds.write` (conflict policy, checks, coverage,
 * invalidation, NOTIFY). Errors name the source and where in it ("FILE line 3: ..." for a
 * CSV, "FILE row 2: ..." for a Parquet file, "body line 3: ..."); nothing is written when
 * one is raised (the caller rolls back).
 *
 * @example
 * await withTransaction(pool, (client) => importCsv(client, { name, version, header, csv: createReadStream(file), source: file }));
 * await withTransaction(pool, (client) => importParquet(client, { name, version, file, source: file }));
 */
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { Field } from "../worker/field-types.ts";
import { DsError, toDsError } from "./errors.ts";

interface StagedImport {
  name: string;
  version: string;
  /** What errors name: a file path, or "body". */
  source: string;
  /** A tstzrange literal the writer declares complete, or null. */
  covers?: string | null;
}

export interface CsvImport extends StagedImport {
  /** The column names of the CSV's first line (csv-header.ts). */
  header: string[];
  /** The whole CSV, header line included. */
  csv: Readable;
}

export interface ParquetImport extends StagedImport {
  /** The Parquet file (read row group by row group, common/parquet-import.ts). */
  file: string;
}

export interface ImportResult {
  written: number;
  /** ISO 8601 in UTC with Z and microseconds when there are some; null when nothing was written. */
  first: string | null;
  last: string | null;
}

interface Target {
  table_name: string;
  schema: Field[];
}

/** Where the Nth staged row is: line N + 1 of a CSV (after its header), row N of a Parquet file. */
type RowPlace = (n: number) => string;
const csvLine: RowPlace = (n) => `line ${n + 1}`;
const parquetRow: RowPlace = (n) => `row ${n}`;

/** "2024-03-01 14:30:00.25+00" (a timestamptz in a UTC session) as 2024-03-01T14:30:00.25Z. */
export const isoFromUtcText = (text: string) => text.replace(" ", "T").replace(/\+00$/, "Z");

/** A COPY error as one line naming the source and place: "FILE line 3, column price: ...". */
function copyError(source: string, place: RowPlace, err: unknown): unknown {
  const e = err as { code?: string; message: string; where?: string; detail?: string };
  const at = /COPY \S+, line (\d+)((?:, column \w+)?)/.exec(e.where ?? "");
  if (!at || !/^(22|23)/.test(e.code ?? "")) return err;
  // COPY counts the CSV header as line 1; a Parquet file has no header: COPY's line N is row N
  const n = Number(at[1]) - (place === csvLine ? 1 : 0);
  return new DsError("DS017", `${source} ${place(n)}${at[2]}: ${e.message}`, {
    detail: "The file failed validation; nothing was written.",
    hint: place === csvLine
      ? "Write ts (ISO 8601, UTC unless it has an offset) and the fields of [schema]; an empty unquoted cell is null."
      : "Write ts and the fields of [schema]; only nullable fields may hold nulls (docs/parquet.md).",
  });
}

/** A DS017 or DS035 of ds.import_staged names "staged row N": say where that is in the source. */
function stagedRowError(source: string, place: RowPlace, err: unknown): unknown {
  const e = toDsError(err);
  if (!(e instanceof DsError) || (e.code !== "DS017" && e.code !== "DS035")) return e;
  const message = e.message.replace(/: staged row (\d+): /, (_m, n: string) => `: ${source} ${place(Number(n))}: `);
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

/** Stages rows with `stage` into the temporary table ds_import, then applies them; see the module comment. */
async function importStaged(client: pg.ClientBase, { name, version, source, covers = null }: StagedImport, place: RowPlace,
  stage: (target: Target) => Promise<unknown>): Promise<ImportResult> {
  // unknown (DS001), not a version (DS002), built rather than written (DS028): SQL says so
  const target = (await client.query<Target>("select table_name, schema from ds_server.write_target($1, $2)", [name, version])).rows[0]!;
  await client.query("set local time zone 'UTC'");
  // table_name is ds_store."..." from format('%I'): the store, which has the defaults
  await client.query(`create temp table ds_import (like ${target.table_name} including defaults) on commit drop`);
  await stage(target).catch((err: unknown) => Promise.reject(copyError(source, place, err)));
  // first and last as text: microseconds, which a Date would lose
  const row = (await client.query<{ written: string; first_ts: string | null; last_ts: string | null }>(
    "select written, first_ts::text, last_ts::text from ds.import_staged($1, $2, 'ds_import'::regclass, $3::tstzrange)",
    [name, version, covers]).catch((err: unknown) => Promise.reject(stagedRowError(source, place, err)))).rows[0]!;
  return { written: Number(row.written), first: row.first_ts && isoFromUtcText(row.first_ts), last: row.last_ts && isoFromUtcText(row.last_ts) };
}

/** A CSV (header checked against the dataset's fields) staged with COPY and applied. */
export function importCsv(client: pg.ClientBase, csv: CsvImport): Promise<ImportResult> {
  return importStaged(client, csv, csvLine, async (target) => {
    checkHeader(csv.source, csv.header, ["ts", ...target.schema.map((f) => f.name)]);
    const columns = csv.header.map((c) => `"${c}"`).join(", ");
    await pipeline(csv.csv, client.query(copyFrom(`copy ds_import (${columns}) from stdin with (format csv, header true)`)));
  });
}

/** A Parquet file staged row group by row group (common/parquet-import.ts, loaded only here) and applied. */
export function importParquet(client: pg.ClientBase, parquet: ParquetImport): Promise<ImportResult> {
  return importStaged(client, parquet, parquetRow, async (target) => {
    const { stageParquet } = await import("../common/parquet-import.ts");
    await stageParquet(client, parquet.file, target.schema, "ds_import");
  });
}
