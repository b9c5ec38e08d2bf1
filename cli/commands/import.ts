/**
 * `ds import NAME VERSION FILE.csv`: the bulk path of writes (docs/writes.md). The CSV
 * (header: ts and the dataset's fields, in any order) is streamed with COPY into a
 * temporary staging table, then `ds.import_staged` applies it like `ds.write` — conflict
 * policy, checks, coverage, invalidation — all in one transaction: a bad file writes
 * nothing and prints one line naming its line.
 */
import { createReadStream, existsSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { DsError, toDsError } from "../../db/errors.ts";
import { csvHeader } from "../csv-header.ts";
import { withTransaction } from "../../db/transaction.ts";
import { openContext } from "../context.ts";
import { parseTimestamp, parseVerbArgs, type Verb } from "../verb.ts";

const usage = "NAME VERSION FILE.csv [--covers START/END] [--json]";

interface Target {
  table_name: string;
  schema: { name: string }[];
}

/** "2024-03-01 14:30:00.25+00" (a timestamptz in a UTC session) as 2024-03-01T14:30:00.25Z. */
const iso = (text: string) => text.replace(" ", "T").replace(/\+00$/, "Z");

/** A COPY error as one line naming the file and line: "FILE line 3, column price: ...". */
function copyError(file: string, err: unknown): unknown {
  const e = err as { code?: string; message: string; where?: string; detail?: string };
  const at = /COPY \S+, (line \d+(?:, column \w+)?)/.exec(e.where ?? "")?.[1];
  if (!at || !/^(22|23)/.test(e.code ?? "")) return err;
  return new DsError("DS017", `${file} ${at}: ${e.message}`, {
    detail: "The file failed validation; nothing was written.",
    hint: "Write ts (ISO 8601, UTC unless it has an offset) and the fields of [schema]; an empty unquoted cell is null.",
  });
}

/** A DS017 or DS035 of ds.import_staged names "staged row N": in the file that is line N + 1 (after the header). */
function stagedRowError(file: string, err: unknown): unknown {
  const e = toDsError(err);
  if (!(e instanceof DsError) || (e.code !== "DS017" && e.code !== "DS035")) return e;
  const message = e.message.replace(/: staged row (\d+): /, (_m, n: string) => `: ${file} line ${Number(n) + 1}: `);
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
    const { help, values, positionals } = parseVerbArgs("import", usage, args, { covers: { type: "string" }, json: { type: "boolean" } }, ["NAME", "VERSION", "FILE"]);
    if (help) {
      console.log(`usage: ds import ${usage}
Writes the rows of FILE.csv (RFC 4180; header: ts and the dataset's fields, any order; ts in ISO 8601,
UTC unless it has an offset; an empty unquoted cell is null) with the dataset's conflict policy, in one
transaction: a bad file writes nothing.
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
    if (!existsSync(file)) throw new DsError("DS038", `ds import: file ${file} not found`, { hint: "Pass the path of a CSV file." });
    const header = csvHeader(file);
    const ctx = await openContext(values);
    try {
      const { written, first_ts, last_ts } = await withTransaction(ctx.pool, async (client) => {
        // unknown (DS001), not a version (DS002), built rather than written (DS028): SQL says so
        const target = (await client.query<Target>("select table_name, schema from ds_server.write_target($1, $2)", [name, version])).rows[0]!;
        checkHeader(file, header, ["ts", ...target.schema.map((f) => f.name)]);
        await client.query("set local time zone 'UTC'");
        // table_name is ds_data."..." from format('%I'), like every name the catalog gives
        await client.query(`create temp table ds_import (like ${target.table_name} including defaults) on commit drop`);
        const columns = header.map((c) => `"${c}"`).join(", ");
        await pipeline(createReadStream(file), client.query(copyFrom(`copy ds_import (${columns}) from stdin with (format csv, header true)`)))
          .catch((err: unknown) => Promise.reject(copyError(file, err)));
        // first and last as text: microseconds, which a Date would lose
        return (await client.query<{ written: number; first_ts: string | null; last_ts: string | null }>(
          "select written, first_ts::text, last_ts::text from ds.import_staged($1, $2, 'ds_import'::regclass, $3::tstzrange)",
          [name, version, covers]).catch((err: unknown) => Promise.reject(stagedRowError(file, err)))).rows[0]!;
      });
      if (values.json) console.log(JSON.stringify({ imported: Number(written), first: first_ts && iso(first_ts), last: last_ts && iso(last_ts) }));
      else console.log(first_ts && last_ts ? `imported ${written} row(s) from ${iso(first_ts)} to ${iso(last_ts)}` : `imported ${written} row(s)`);
      return 0;
    } finally {
      await ctx.close();
    }
  },
};
