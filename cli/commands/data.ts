/** `ds data`: the rows of a dataset version as a table, CSV, JSON or a Parquet file, one column per field. */
import { createWriteStream, renameSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import type pg from "pg";
import { z } from "zod";
import { DsError } from "../../db/errors.ts";
import { openContext } from "../context.ts";
import { formatRows, parseJsonExact, rowFormats, type Column, type RowFormat } from "../../common/format-rows.ts";
import { optionValue } from "../options.ts";
import { parseTimestamp, parseVerbArgs, type Verb } from "../verb.ts";

const usage = "NAME VERSION START END [--format table|csv|json|parquet] [--out FILE] [--build]";

const formats = [...rowFormats, "parquet"] as const;
const formatOption = z.string().pipe(z.enum(formats, { error: `one of ${formats.join(", ")}` }));

interface Field {
  name: string;
  type: string;
}

const numericTypes = new Set(["int", "float", "numeric"]);

/** With the session in UTC, a timestamp field reads "...+00:00": print it with Z like ts. */
function fieldValue(field: Field, value: unknown): unknown {
  return field.type === "timestamp" && typeof value === "string" ? value.replace(/\+00:00$/, "Z") : value;
}

export const data: Verb = {
  async run(args) {
    const { help, values, positionals } = parseVerbArgs("data", usage, args, { format: { type: "string" }, out: { type: "string" }, build: { type: "boolean" } }, [
      "NAME", "VERSION", "START", "END",
    ]);
    if (help) {
      console.log(`usage: ds data ${usage}
Prints the stored rows of [START, END] (both inclusive), one column per schema field, ts in ISO 8601 UTC.
  --format  table (default), csv (RFC 4180, with a header), json (one array of objects) or
            parquet (a file: needs --out; streamed, any number of rows; types in docs/parquet.md)
  --out     write to FILE instead of printing, then print "wrote N row(s) to FILE" (parquet: the
            file is written whole or not at all)
  --build   build what is missing first and wait for it (needs a running worker)`);
      return 0;
    }
    const [name, version, start, end] = positionals as [string, string, string, string];
    const format = optionValue("data", "--format", values.format, formatOption, usage) ?? "table";
    const out = values.out === undefined ? undefined : String(values.out);
    if (format === "parquet" && out === undefined) {
      throw new DsError("DS038", "ds data: --format parquet writes a file: give --out FILE", { hint: `usage: ds data ${usage}` });
    }
    const startAt = parseTimestamp("START", start);
    const endAt = parseTimestamp("END", end);
    const ctx = await openContext(values);
    if (format === "parquet") {
      try {
        const rows = await exportParquet(ctx.pool, [name, version, startAt, endAt], Boolean(values.build), out!);
        console.log(`wrote ${rows} row(s) to ${out}`);
      } finally {
        await ctx.close();
      }
      return 0;
    }
    const client = await ctx.pool.connect();
    try {
      await client.query("set time zone 'UTC'");
      const { rows } = await client.query<{ ts: Date; data: string }>(
        "select ts, data::text as data from ds.data($1, $2, $3, $4, build => $5)",
        [name, version, startAt, endAt, Boolean(values.build)],
      );
      const { rows: meta } = await client.query<{ schema: Field[] }>("select schema from ds.datasets where name = $1 and version = $2", [name, version]);
      const fields = meta[0]!.schema;
      const columns: Column[] = [{ name: "ts" }, ...fields.map((f) => ({ name: f.name, right: numericTypes.has(f.type) }))];
      const table = rows.map((row) => {
        const record = parseJsonExact(row.data) as Record<string, unknown>;
        return [row.ts, ...fields.map((f) => fieldValue(f, record[f.name]))];
      });
      const text = formatRows(format as RowFormat, columns, table);
      if (out === undefined) process.stdout.write(text);
      else {
        await writeFile(out, text);
        console.log(`wrote ${rows.length} row(s) to ${out}`);
      }
    } finally {
      client.release(true); // its time zone was changed
      await ctx.close();
    }
    return 0;
  },
};

/**
 * The rows as a Parquet file at `out`, written to a temporary file beside it and renamed
 * when complete: a failed export leaves no file (and an older one in place).
 */
async function exportParquet(pool: pg.Pool, [name, version, start, end]: string[], build: boolean, out: string): Promise<number> {
  // loaded only for this format: hyparquet-writer is no part of printing rows
  const { parquetSource, writeParquet } = await import("../../common/parquet-export.ts");
  const client = await pool.connect();
  const partial = `${out}.partial-${process.pid}`;
  try {
    const source = await parquetSource(client, name!, version!, start!, end!, build);
    const rows = await writeParquet(client, source, createWriteStream(partial));
    renameSync(partial, out);
    return rows;
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    client.release();
  }
}
