/** `ds status`: the registered dataset versions with their coverage, and the unfinished builds. */
import { openContext } from "../context.ts";
import { formatTable, isoUtc } from "../../common/format-rows.ts";
import { parseVerbArgs, type Verb } from "../verb.ts";

const datasetsQuery = `
  select d.name, d.version, d.calendar, d.granularity,
         d.built_ranges as ranges, d.first_built as first_point, d.last_built as last_point,
         d.code_hash, d.code_stale, d.code_stale_first, d.code_stale_last
  from ds.datasets d
  order by d.name, d.registered_at`;

const buildsQuery = `
  select id, dataset, version, start_at, end_at, state, progress, points_built, points
  from ds.builds
  where state in ('queued', 'running')
  order by id`;

/** The code column: the hash's first 8 digits, "stale since FIRST" when older code built some points. */
function codeState(r: { code_hash: string | null; code_stale: boolean; code_stale_first: Date | null }): string | null {
  if (!r.code_hash) return null;
  return r.code_stale ? `${r.code_hash.slice(0, 8)} stale from ${isoUtc(r.code_stale_first!)}` : r.code_hash.slice(0, 8);
}

export const status: Verb = {
  async run(args) {
    const { help, values } = parseVerbArgs("status", "[--json] [--database-url URL]", args, { json: { type: "boolean" } });
    if (help) {
      console.log(`usage: ds status [--json] [--database-url URL]
Lists every registered dataset version (calendar, granularity, number of built ranges, first and
last built point, and its code: "stale" when built points were computed by older builder code,
which ds rebuild recomputes) and the builds that are queued or running.
  --json  print {"datasets": [{name, version, calendar, granularity, ranges, first, last, code_hash,
          code_stale, code_stale_first, code_stale_last}],
          "builds": [{id, dataset, version, start, end, state, progress (0..1), points_built, points}]}`);
      return 0;
    }
    const ctx = await openContext(values);
    try {
      const datasets = await ctx.pool.query(datasetsQuery);
      const builds = await ctx.pool.query(buildsQuery);
      if (values.json) {
        const ts = (d: Date | null) => d && isoUtc(d);
        console.log(JSON.stringify({
          datasets: datasets.rows.map((r) => ({ name: r.name, version: r.version, calendar: r.calendar, granularity: r.granularity,
            ranges: Number(r.ranges), first: ts(r.first_point), last: ts(r.last_point), code_hash: r.code_hash,
            code_stale: r.code_stale, code_stale_first: ts(r.code_stale_first), code_stale_last: ts(r.code_stale_last) })),
          builds: builds.rows.map((r) => ({ id: Number(r.id), dataset: r.dataset, version: r.version, start: ts(r.start_at), end: ts(r.end_at),
            state: r.state, progress: Number(r.progress), points_built: Number(r.points_built), points: Number(r.points) })),
        }));
        return 0;
      }
      const right = (name: string) => ({ name, right: true });
      process.stdout.write("datasets\n" + formatTable(
        [{ name: "name" }, { name: "version" }, { name: "calendar" }, { name: "granularity" }, right("ranges"), { name: "first" }, { name: "last" }, { name: "code" }],
        datasets.rows.map((r) => [r.name, r.version, r.calendar, r.granularity, r.ranges, r.first_point, r.last_point, codeState(r)]),
      ));
      if (!builds.rows.length) return (console.log("\nno queued or running builds"), 0);
      process.stdout.write("\nqueued or running builds\n" + formatTable(
        [right("id"), { name: "dataset" }, { name: "version" }, { name: "start" }, { name: "end" }, { name: "state" }, right("progress"), right("points")],
        builds.rows.map((r) => [r.id, r.dataset, r.version, r.start_at, r.end_at, r.state,
          `${(Number(r.progress) * 100).toFixed(1)}%`, `${r.points_built}/${r.points}`]),
      ));
    } finally {
      await ctx.close();
    }
    return 0;
  },
};
