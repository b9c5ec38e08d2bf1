/** `ds data`: the rows of a dataset version as a table, CSV or JSON, one column per field. */
import { DsError } from "../../db/errors.ts";
import { openContext } from "../context.ts";
import { formatRows, parseJsonExact, rowFormats, type Column, type RowFormat } from "../format-rows.ts";
import { parseTimestamp, parseVerbArgs, type Verb } from "../verb.ts";

const usage = "NAME VERSION START END [--format table|csv|json] [--build]";

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
    const { help, values, positionals } = parseVerbArgs("data", usage, args, { format: { type: "string" }, build: { type: "boolean" } }, [
      "NAME", "VERSION", "START", "END",
    ]);
    if (help) {
      console.log(`usage: ds data ${usage}
Prints the stored rows of [START, END] (both inclusive), one column per schema field, ts in ISO 8601 UTC.
  --format  table (default), csv (RFC 4180, with a header) or json (one array of objects)
  --build   build what is missing first and wait for it (needs a running worker)`);
      return 0;
    }
    const [name, version, start, end] = positionals as [string, string, string, string];
    const format = (values.format ?? "table") as RowFormat;
    if (!rowFormats.includes(format)) {
      throw new DsError("DS038", `ds data: unknown format "${format}"`, { hint: "Use --format table, csv or json." });
    }
    const startAt = parseTimestamp("START", start);
    const endAt = parseTimestamp("END", end);
    const ctx = await openContext(values);
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
      process.stdout.write(formatRows(format, columns, table));
    } finally {
      client.release(true); // its time zone was changed
      await ctx.close();
    }
    return 0;
  },
};
