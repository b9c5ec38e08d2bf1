/** `ds delete`: delete the rows of a dataset version in a range; dependents get rebuilt later. */
import { openContext } from "../context.ts";
import { isoUtc } from "../format-rows.ts";
import { parseTimestamp, parseVerbArgs, type Verb } from "../verb.ts";

const usage = "NAME VERSION START END";

export const remove: Verb = {
  summary: "delete the rows of a dataset version in [START, END] and invalidate its dependents there",
  async run(args) {
    const { help, values, positionals } = parseVerbArgs("delete", usage, args, {}, ["NAME", "VERSION", "START", "END"]);
    if (help) {
      console.log(`usage: ds delete ${usage}
Deletes the rows and coverage of [START, END] (both inclusive); the dependents' points that read them
are marked missing, so the next build recomputes them.`);
      return 0;
    }
    const [name, version, start, end] = positionals as [string, string, string, string];
    const startAt = parseTimestamp("START", start);
    const endAt = parseTimestamp("END", end);
    const ctx = await openContext(values);
    try {
      const { rows } = await ctx.pool.query<{ deleted: number; first_ts: Date | null; last_ts: Date | null }>(
        "select deleted, first_ts, last_ts from ds.delete($1, $2, $3, $4)",
        [name, version, startAt, endAt],
      );
      const { deleted, first_ts, last_ts } = rows[0]!;
      console.log(first_ts && last_ts ? `deleted ${deleted} row(s) from ${isoUtc(first_ts)} to ${isoUtc(last_ts)}` : `deleted ${deleted} row(s)`);
    } finally {
      await ctx.close();
    }
    return 0;
  },
};
