/** `ds status`: the registered dataset versions with their coverage, and the unfinished builds. */
import { openContext } from "../context.ts";
import { formatTable } from "../format-rows.ts";
import { parseVerbArgs, type Verb } from "../verb.ts";

const datasetsQuery = `
  select d.name, d.version, d.calendar, d.granularity,
         d.built_ranges as ranges, d.first_built as first_point, d.last_built as last_point
  from ds.datasets d
  order by d.name, d.registered_at`;

const buildsQuery = `
  select id, dataset, version, start_at, end_at, state,
         round(progress * 100, 1)::text || '%' as progress, points_built || '/' || points as points
  from ds.builds
  where state in ('queued', 'running')
  order by id`;

export const status: Verb = {
  summary: "list dataset versions with their built ranges, and queued or running builds",
  async run(args) {
    const { help, values } = parseVerbArgs("status", "[--database-url URL]", args, {});
    if (help) {
      console.log(`usage: ds status [--database-url URL]
Lists every registered dataset version (calendar, granularity, number of built ranges, first and
last built point) and the builds that are queued or running.`);
      return 0;
    }
    const ctx = await openContext(values);
    try {
      const datasets = await ctx.pool.query(datasetsQuery);
      const builds = await ctx.pool.query(buildsQuery);
      const right = (name: string) => ({ name, right: true });
      process.stdout.write("datasets\n" + formatTable(
        [{ name: "name" }, { name: "version" }, { name: "calendar" }, { name: "granularity" }, right("ranges"), { name: "first" }, { name: "last" }],
        datasets.rows.map((r) => [r.name, r.version, r.calendar, r.granularity, r.ranges, r.first_point, r.last_point]),
      ));
      if (!builds.rows.length) return (console.log("\nno queued or running builds"), 0);
      process.stdout.write("\nqueued or running builds\n" + formatTable(
        [right("id"), { name: "dataset" }, { name: "version" }, { name: "start" }, { name: "end" }, { name: "state" }, right("progress"), right("points")],
        builds.rows.map((r) => [r.id, r.dataset, r.version, r.start_at, r.end_at, r.state, r.progress, r.points]),
      ));
    } finally {
      await ctx.close();
    }
    return 0;
  },
};
