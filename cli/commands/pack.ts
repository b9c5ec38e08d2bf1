/** `ds pack` and `ds unpack`: pack a version's old partitions into compressed arrays, or bring them back (docs/storage.md). */
import { openContext } from "../context.ts";
import { parseTimestamp, parseVerbArgs, type Verb } from "../verb.ts";

const packUsage = "NAME VERSION [--before TS] [--json]";
const unpackUsage = "NAME VERSION START END [--json]";

export const pack: Verb = {
  async run(args) {
    const { help, values, positionals } = parseVerbArgs("pack", packUsage, args, { before: { type: "string" }, json: { type: "boolean" } }, ["NAME", "VERSION"]);
    if (help) {
      console.log(`usage: ds pack ${packUsage}
Packs the partitions of a dataset version that end by a time: one row per key and batch of up to
1000 rows, an array per column, compressed. Every read returns the same rows; a write, build or
delete there unpacks first.
  --before TS  pack the partitions that end at or before TS (default: now less its [storage] pack-after)
  --json       print {"partitions": N, "rows": N}`);
      return 0;
    }
    const [name, version] = positionals as [string, string];
    const beforeAt = values.before === undefined ? null : parseTimestamp("--before", String(values.before));
    const ctx = await openContext(values);
    try {
      const { rows } = await ctx.pool.query<{ partitions: number; rows: string }>("select partitions, rows from ds.pack($1, $2, $3)", [name, version, beforeAt]);
      const r = rows[0]!;
      if (values.json) console.log(JSON.stringify({ partitions: r.partitions, rows: Number(r.rows) }));
      else console.log(`packed ${r.partitions} partition(s), ${r.rows} row(s)`);
    } finally {
      await ctx.close();
    }
    return 0;
  },
};

export const unpack: Verb = {
  async run(args) {
    const { help, values, positionals } = parseVerbArgs("unpack", unpackUsage, args, { json: { type: "boolean" } }, ["NAME", "VERSION", "START", "END"]);
    if (help) {
      console.log(`usage: ds unpack ${unpackUsage}
Unpacks the packed partitions of a dataset version with rows in [START, END] back into ordinary
partitions (writes, builds and deletes do this by themselves).
  --json  print {"partitions": N}`);
      return 0;
    }
    const [name, version, start, end] = positionals as [string, string, string, string];
    const ctx = await openContext(values);
    try {
      const { rows } = await ctx.pool.query<{ n: number }>("select ds.unpack($1, $2, $3, $4) as n",
        [name, version, parseTimestamp("START", start), parseTimestamp("END", end)]);
      if (values.json) console.log(JSON.stringify({ partitions: rows[0]!.n }));
      else console.log(`unpacked ${rows[0]!.n} partition(s)`);
    } finally {
      await ctx.close();
    }
    return 0;
  },
};
