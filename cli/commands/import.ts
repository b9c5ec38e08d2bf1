/**
 * `ds import NAME VERSION FILE.csv|FILE.parquet`: the bulk path of writes (docs/writes.md).
 * The CSV (header: ts and the dataset's fields, in any order) or Parquet file
 * (docs/parquet.md) is streamed with COPY into a temporary staging table, then
 * `ds.import_staged` applies it like `ds.write` — conflict policy, checks, coverage,
 * invalidation — all in one transaction: a bad file writes nothing and prints one line
 * naming its line (CSV) or row (Parquet).
 */
import { createReadStream, existsSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { z } from "zod";
import { DsError, toDsError } from "../../db/errors.ts";
import type { Field } from "../../worker/field-types.ts";
import { csvHeader } from "../csv-header.ts";
import { withTransaction } from "../../db/transaction.ts";
import { openContext } from "../context.ts";
import { optionValue } from "../options.ts";
import { parseTimestamp, parseVerbArgs, type Verb } from "../verb.ts";

const usage = "NAME VERSION FILE.csv|FILE.parquet [--format csv|parquet] [--covers START/END] [--json]";

const formatOption = z.enum(["csv", "parquet"], { error: "csv or parquet" });

interface Target {
  table_name: string;
  schema: Field[];
}

/** Where a file's Nth row is: line N + 1 of a CSV (after its header), row N of a Parquet file. */
type RowPlace = (n: number) => string;
const csvLine: RowPlace = (n) => `line ${n + 1}`;
const parquetRow: RowPlace = (n) => `row ${n}`;

/** "2024-03-01 14:30:00.25+00" (a timestamptz in a UTC session) as 2024-03-01T14:30:00.25Z. */
const iso = (text: string) => text.replace(" ", "T").replace(/\+00$/, "Z");

/** A COPY error as one line naming the file and line (CSV) or row (Parquet): "FILE line 3, column price: ...". */
function copyError(file: string, place: RowPlace, err: unknown): unknown {
  const e = err as { code?: string; message: string; where?: string; detail?: string };
  const at = /COPY \S+, line (\d+)((?:, column \w+)?)/.exec(e.where ?? "");
  if (!at || !/^(22|23)/.test(e.code ?? "")) return err;
  // COPY counts the CSV header as line 1; a Parquet file has no header: COPY's line N is row N
  const n = Number(at[1]) - (place === csvLine ? 1 : 0);
  return new DsError("DS017", `${file} ${place(n)}${at[2]}: ${e.message}`, {
    detail: "The file failed validation; nothing was written.",
    hint: place === csvLine
      ? "Write ts (ISO 8601, UTC unless it has an offset) and the fields of [schema]; an empty unquoted cell is null."
      : "Write ts and the fields of [schema]; only nullable fields may hold nulls (docs/parquet.md).",
  });
}

/** A DS017 or DS035 of ds.import_staged names "staged row N": in the file that is line N + 1 of a CSV, row N of a Parquet file. */
function stagedRowError(file: string, place: RowPlace, err: unknown): unknown {
  const e = toDsError(err);
  if (!(e instanceof DsError) || (e.code !== "DS017" && e.code !== "DS035")) return e;
  const message = e.message.replace(/: staged row (\d+): /, (_m, n: string) => `: ${file} ${place(Number(n))}: `);
  return new DsError(e.code, message, { detail: e.detail, hint: e.hint, cause: err });
}

/** The file's shape: its header names every column of the dataset once, in any order (DS017). */
function checkHeader(file: string, header: string[], expected: string[]): void {
  const unknown = header.find((c) => !expected.includes(c));
  const missing = expected.find((c) => !header.includes(c));
  const twice = header.find((c, i) => header.indexOf(c) !== i);
  if (unknown === undefined && missing === undefined && twice === undefined) return;
  throw new DsError("DS017", `${file} line 1: ${unknown !== undefined ? `unknown column "${unknown}"` : twice !== undefined ? `column "${twice}" appears twice` : `no column "${missing}"`}`, {
    detail: `the header names the columns: ${expected.join(", ")} (any order); nothing was written`,
    hint: `Start the file with the line ${expected.join(",")}.`,
  });
}

export const importRows: Verb = {
  async run(args) {
    const { help, values, positionals } = parseVerbArgs("import", usage, args, { format: { type: "string" }, covers: { type: "string" }, json: { type: "boolean" } }, ["NAME", "VERSION", "FILE"]);
    if (help) {
      console.log(`usage: ds import ${usage}
Writes the rows of FILE.csv (RFC 4180; header: ts and the dataset's fields, any order; ts in ISO 8601,
UTC unless it has an offset; an empty unquoted cell is null) or FILE.parquet (columns ts and the
dataset's fields, any order; from any Parquet writer; types in docs/parquet.md) with the dataset's
conflict policy, in one transaction: a bad file writes nothing.
  --format csv|parquet  the file's format (default: parquet for a name ending in .parquet or .parq, else csv)
  --covers START/END  also declare the calendar points in [START, END] complete (covered) when the
                      file has no rows there
  --json              print {"imported": N, "first": TS|null, "last": TS|null}`);
      return 0;
    }
    const [name, version, file] = positionals as [string, string, string];
    let covers: string | null = null;
    if (values.covers !== undefined) {
      const [start, end, extra] = String(values.covers).split("/");
      if (start === undefined || end === undefined || extra !== undefined) {
        throw new DsError("DS038", `ds import: --covers "${values.covers}" is not START/END`, { hint: "Write for example --covers 2024-03-01T14:30Z/2024-03-01T21:00Z." });
      }
      covers = `[${parseTimestamp("START", start)},${parseTimestamp("END", end)}]`;
    }
    const format = optionValue("import", "--format", values.format, formatOption, usage) ?? (/\.parq(uet)?$/i.test(file) ? "parquet" : "csv");
    const place = format === "parquet" ? parquetRow : csvLine;
    if (!existsSync(file)) throw new DsError("DS038", `ds import: file ${file} not found`, { hint: `Pass the path of a ${format === "parquet" ? "Parquet" : "CSV"} file.` });
    const header = format === "csv" ? csvHeader(file) : [];
    const ctx = await openContext(values);
    try {
      const { written, first_ts, last_ts } = await withTransaction(ctx.pool, async (client) => {
        // unknown (DS001), not a version (DS002), built rather than written (DS028): SQL says so
        const target = (await client.query<Target>("select table_name, schema from ds_server.write_target($1, $2)", [name, version])).rows[0]!;
        if (format === "csv") checkHeader(file, header, ["ts", ...target.schema.map((f) => f.name)]);
        await client.query("set local time zone 'UTC'");
        // table_name is ds_data."..." from format('%I'), like every name the catalog gives
        await client.query(`create temp table ds_import (like ${target.table_name} including defaults) on commit drop`);
        const staged = format === "parquet"
          ? import("../../common/parquet-import.ts").then(({ stageParquet }) => stageParquet(client, file, target.schema, "ds_import"))
          : pipeline(createReadStream(file), client.query(copyFrom(`copy ds_import (${header.map((c) => `"${c}"`).join(", ")}) from stdin with (format csv, header true)`)));
        await staged.catch((err: unknown) => Promise.reject(copyError(file, place, err)));
        // first and last as text: microseconds, which a Date would lose
        return (await client.query<{ written: number; first_ts: string | null; last_ts: string | null }>(
          "select written, first_ts::text, last_ts::text from ds.import_staged($1, $2, 'ds_import'::regclass, $3::tstzrange)",
          [name, version, covers]).catch((err: unknown) => Promise.reject(stagedRowError(file, place, err)))).rows[0]!;
      });
      if (values.json) console.log(JSON.stringify({ imported: Number(written), first: first_ts && iso(first_ts), last: last_ts && iso(last_ts) }));
      else console.log(first_ts && last_ts ? `imported ${written} row(s) from ${iso(first_ts)} to ${iso(last_ts)}` : `imported ${written} row(s)`);
      return 0;
    } finally {
      await ctx.close();
    }
  },
};
