/** `ds delete`: delete the rows of a dataset version in a range (of one key with --key); dependents get rebuilt later. */
import { DsError } from "../../db/errors.ts";
import { openContext } from "../context.ts";
import { isoUtc } from "../format-rows.ts";
import { parseTimestamp, parseVerbArgs, type Verb } from "../verb.ts";

const usage = "NAME VERSION START END [--key JSON] [--json]";

export const remove: Verb = {
  async run(args) {
    const { help, values, positionals } = parseVerbArgs("delete", usage, args, { key: { type: "string" }, json: { type: "boolean" } }, ["NAME", "VERSION", "START", "END"]);
    if (help) {
      console.log(`usage: ds delete ${usage}
Deletes the rows and coverage of [START, END] (both inclusive); the dependents' points that read them
are invalidated, so the next build recomputes them.
  --key JSON  delete only the rows of one key, for example --key '{"ticker":"MSFT"}': coverage stays,
              and the next build rebuilds that key's rows (and its per-key dependents') only
  --json      print {"deleted": N, "first": TS|null, "last": TS|null}`);
      return 0;
    }
    const [name, version, start, end] = positionals as [string, string, string, string];
    const startAt = parseTimestamp("START", start);
    const endAt = parseTimestamp("END", end);
    const key = values.key === undefined ? null : String(values.key);
    if (key !== null) {
      try {
        JSON.parse(key);
      } catch {
        throw new DsError("DS038", `ds delete: --key ${key} is not JSON`, { hint: `Write for example --key '{"ticker":"MSFT"}'.` });
      }
    }
    const ctx = await openContext(values);
    try {
      const { rows } = await ctx.pool.query<{ deleted: number; first_ts: Date | null; last_ts: Date | null }>(
        "select deleted, first_ts, last_ts from ds.delete($1, $2, $3, $4, $5::jsonb)",
        [name, version, startAt, endAt, key],
      );
      const { deleted, first_ts, last_ts } = rows[0]!;
      if (values.json) console.log(JSON.stringify({ deleted: Number(deleted), first: first_ts && isoUtc(first_ts), last: last_ts && isoUtc(last_ts) }));
      else console.log(first_ts && last_ts ? `deleted ${deleted} row(s) from ${isoUtc(first_ts)} to ${isoUtc(last_ts)}` : `deleted ${deleted} row(s)`);
    } finally {
      await ctx.close();
    }
    return 0;
  },
};
