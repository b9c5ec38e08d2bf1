/**
 * Planning links a build's tasks set-based (sql/build/link_tasks.sql with
 * ds_private.dependency_reaches and ds_private.nth_points_before): the edges must be exactly
 * the ones the window rule gives task by task, and the N-th points found for many instants
 * at once exactly those ds_private.nth_point_before finds one by one.
 */
import { describe, expect, it } from "vitest";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("planning-links", { worker: false });

describe("ds_private.nth_points_before", () => {
  const cases: [string, string, number, string, string][] = [
    // calendar, step, n, instants from, to (every 37 minutes, then each grid point and +/- 1 microsecond)
    ["nyse", "1 minute", 1, "2024-11-27T12:00Z", "2024-12-03T00:00Z"],
    ["nyse", "1 minute", 60, "2024-11-27T12:00Z", "2024-12-03T00:00Z"],
    ["nyse", "1 hour", 3, "2024-11-20T00:00Z", "2024-12-03T00:00Z"],
    ["nyse-daily", "1 day", 3, "2024-11-20T00:00Z", "2025-01-03T00:00Z"],
    ["weekday", "1 day", 2, "2024-01-01T00:00Z", "2024-01-20T00:00Z"],
    ["everyday", "1 hour", 24, "2024-01-01T00:00Z", "2024-01-03T00:00Z"],
    ["everyday", "1 day", 5, "1970-01-01T00:00Z", "1970-01-09T00:00Z"], // near the calendar's start: too few points
  ];
  it.each(cases)("gives each instant nth_point_before's point (%s %s, n = %s)", async (calendar, step, n, from, to) => {
    const rows = await db.q<{ before: Date; one: Date | null; many: Date | null }>(
      `with i as (select distinct b from generate_series($3::timestamptz, $4::timestamptz, interval '37 minutes') g,
                    unnest(array[g, ds_private.align_up(g, $2::interval), ds_private.align_up(g, $2::interval) + interval '1 microsecond',
                                 ds_private.align_up(g, $2::interval) - interval '1 microsecond']) b)
       select i.b as before, ds_private.nth_point_before($1, $2::interval, i.b, $5) as one, m.point as many
       from i left join ds_private.nth_points_before($1, $2::interval, array(select b from i), $5) m on m.before = i.b
       order by i.b`,
      [calendar, step, from, to, n],
    );
    expect(rows.length).toBeGreaterThan(100);
    const differing = rows.filter((r) => r.one?.getTime() !== r.many?.getTime());
    expect(differing).toEqual([]);
    // not a vacuous comparison: points were found, and where the calendar allows it, many
    expect(rows.filter((r) => r.many !== null).length).toBeGreaterThan(calendar === "everyday" && step === "1 day" ? 0 : rows.length / 2);
  });
});

describe("ds_private.link_tasks", () => {
  // dependents covering every kind of window: wall-clock, counted, bucket, none; their
  // chunk is set small (in the rolled-back transaction) so that there are many tasks
  const targets: [string, string, string][] = [
    ["v-day-count", "2024-01-01", "2024-01-31"], // counted lookback 3 on 1h everyday
    ["v-hour-count", "2024-11-25", "2024-12-06"], // counted lookback 60 on 1m nyse
    ["v-day-bucket", "2024-01-01", "2024-01-20"], // bucket on 1h everyday
    ["v-day-2d", "2024-01-01", "2024-01-20"], // lookback 2d on 1h everyday
    ["v-hour-bucket", "2024-11-25", "2024-12-03"], // bucket on 1m nyse
    ["v-weekday-3d", "2024-01-01", "2024-02-10"], // lookback 3d, weekday on everyday
  ];
  it.each(targets)("links %s's tasks to exactly the tasks their windows read", async (name, from, to) => {
    const client = await db.pool.connect();
    try {
      await client.query("begin");
      await client.query("update ds_private.dataset_versions set chunk = case when step < interval '1 hour' then 97 else 3 end");
      // a first build of the dependency, over the middle of the range, leaves tasks in flight
      // that the second build's tasks must wait for too
      const first = (await client.query(
        `select ds.build(b.name, b.version, $2::timestamptz + ($3::timestamptz - $2::timestamptz) / 3, $2::timestamptz + ($3::timestamptz - $2::timestamptz) / 2) as id
         from ds_private.dataset_versions a join ds_private.dependencies d on d.dataset_version_id = a.id
         join ds_private.dataset_versions b on b.id = d.depends_on_id where a.name = $1 and a.version = '0.1.0'`, [name, from, to])).rows[0].id;
      const second = (await client.query("select ds.build($1, '0.1.0', $2, $3) as id", [name, from, to])).rows[0].id;
      const edges = async (sql: string) =>
        (await client.query<{ task_id: string; depends_on: string }>(sql, [second])).rows.map((r) => `${r.task_id}->${r.depends_on}`).sort();
      const linked = await edges(
        `select e.task_id, e.depends_on from ds_private.task_edges e join ds_private.tasks t on t.id = e.task_id where t.build_id = $1`);
      // the rule task by task, every pair compared (the quadratic definition)
      const expected = await edges(
        `select t.id as task_id, dt.id as depends_on
         from ds_private.tasks t join ds_private.dependencies d on d.dataset_version_id = t.dataset_version_id
         join ds_private.tasks dt on dt.dataset_version_id = d.depends_on_id and dt.state in ('waiting', 'queued', 'running')
          and dt.points && ds_private.dependency_window(t.points, d)
         where t.build_id = $1
         union
         select t.id, dt.id from ds_private.tasks t
         join ds_private.tasks dt on dt.dataset_version_id = t.dataset_version_id and dt.id < t.id
          and dt.state in ('waiting', 'queued', 'running') and dt.points && t.points
         where t.build_id = $1`);
      const tasks = (await client.query("select count(*)::int as n from ds_private.tasks where build_id = $1", [second])).rows[0].n;
      expect(tasks).toBeGreaterThan(5);
      expect(expected.length).toBeGreaterThan(tasks / 2);
      expect(linked).toEqual(expected);
      // and the first build's tasks are among those waited for
      const acrossBuilds = (await client.query(
        `select count(*)::int as n from ds_private.task_edges e join ds_private.tasks t on t.id = e.task_id
         join ds_private.tasks dt on dt.id = e.depends_on where t.build_id = $1 and dt.build_id = $2`, [second, first])).rows[0].n;
      expect(acrossBuilds).toBeGreaterThan(0);
      // pending counts what is linked
      const wrong = (await client.query(
        `select count(*)::int as n from ds_private.tasks t where t.build_id = $1
          and t.pending <> (select count(*) from ds_private.task_edges e where e.task_id = t.id)`, [second])).rows[0].n;
      expect(wrong).toBe(0);
    } finally {
      await client.query("rollback");
      client.release();
    }
  });
});
