/**
 * `ds import NAME VERSION FILE.csv|FILE.parquet`: the bulk path of writes (docs/writes.md).
 * The CSV (header: ts and the dataset's fields, in any order) or Parquet file
 * (docs/parquet.md) is streamed with COPY into a temporary staging table, then
 * `ds.import_staged` applies it like `ds.write` — conflict policy, checks, coverage,
 * invalidation — all in one transaction: a bad file writes nothing and prints one line
 * naming its line (CSV) or row (Parquet).
 */
import { createReadStream, existsSync } from "node:fs";
import { z } from "zod";
import { DsError } from "../../db/errors.ts";
import { importCsv, importParquet } from "../../db/staged-import.ts";
import { csvHeader } from "../csv-header.ts";
import { withTransaction } from "../../db/transaction.ts";
import { openContext } from "../context.ts";
import { optionValue } from "../options.ts";
import { parseTimestamp, parseVerbArgs, type Verb } from "../verb.ts";

const usage = "NAME VERSION FILE.csv|FILE.parquet [--format csv|parquet] [--covers START/END] [--json]";

const formatOption = z.enum(["csv", "parquet"], { error: "csv or parquet" });

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
    if (!existsSync(file)) throw new DsError("DS038", `ds import: file ${file} not found`, { hint: `Pass the path of a ${format === "parquet" ? "Parquet" : "CSV"} file.` });
    const header = format === "csv" ? csvHeader(file) : [];
    const ctx = await openContext(values);
    try {
      const { written, first, last } = await withTransaction(ctx.pool, (client) => format === "parquet"
        ? importParquet(client, { name, version, file, source: file, covers })
        : importCsv(client, { name, version, header, csv: createReadStream(file), source: file, covers }));
      if (values.json) console.log(JSON.stringify({ imported: written, first, last }));
      else console.log(first && last ? `imported ${written} row(s) from ${first} to ${last}` : `imported ${written} row(s)`);
      return 0;
    } finally {
      await ctx.close();
    }
  },
};
