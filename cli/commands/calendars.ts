/** `ds calendars`: the registered calendars, or the points of one over a range. */
import { parseArgs } from "node:util";
import { openContext, globalOptionSpec } from "../context.ts";
import { formatTable, isoUtc } from "../format-rows.ts";
import { parseTimestamp, parseVerbArgs, type Verb } from "../verb.ts";

const usage = "[NAME START END [--granularity 1d]] [--json]";
const options = { granularity: { type: "string" }, json: { type: "boolean" } } as const;

export const calendars: Verb = {
  async run(args) {
    // two shapes: no argument, or NAME START END; the strict parse below reports the rest
    const given = parseArgs({ args, options: { ...globalOptionSpec, ...options }, allowPositionals: true, strict: false }).positionals.length;
    const { help, values, positionals } = parseVerbArgs("calendars", usage, args, options, given ? ["NAME", "START", "END"] : []);
    if (help) {
      console.log(`usage: ds calendars ${usage}
Without arguments lists the registered calendars. With NAME START END prints the calendar's points
in [START, END] (both inclusive), one ISO 8601 UTC timestamp a line, at --granularity (default 1d;
1s, 5m, 1h, ... below one day only points inside sessions).
  --json  print [{name, kind, description}], or the points as a JSON array of timestamps`);
      return 0;
    }
    const [name, start, end] = positionals as [string?, string?, string?];
    const range = name ? [parseTimestamp("START", start!), parseTimestamp("END", end!)] : [];
    const ctx = await openContext(values);
    try {
      if (!name) {
        const { rows } = await ctx.pool.query<{ name: string; kind: string; description: string | null }>(
          "select name, kind, description from ds.calendars order by name");
        if (values.json) return (console.log(JSON.stringify(rows)), 0);
        process.stdout.write(formatTable([{ name: "name" }, { name: "kind" }, { name: "description" }], rows.map((r) => [r.name, r.kind, r.description])));
        return 0;
      }
      const { rows } = await ctx.pool.query<{ p: Date }>("select p from ds.calendar_points($1, $2, $3, $4) p", [
        name, values.granularity ?? "1d", ...range,
      ]);
      if (values.json) process.stdout.write(JSON.stringify(rows.map((r) => isoUtc(r.p))) + "\n");
      else process.stdout.write(rows.map((r) => isoUtc(r.p) + "\n").join(""));
      return 0;
    } finally {
      await ctx.close();
    }
  },
};
