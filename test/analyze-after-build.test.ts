/**
 * Statistics after large builds (issue 8): the partitions a build filled are analyzed, each
 * once no task of the version is left to write into it — during the build by the worker
 * after each commit (ds_worker.analyze_completed), the rest by the last chunk before
 * ds.wait returns — so that the reads that follow are planned on real row counts; small
 * builds leave it to autovacuum.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { startTask } from "../worker/chunk.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("analyze_after_build");
const idle = useWorkerDatabase("analyze_after_build_idle", { worker: false });

async function buildAndWait(dataset: string, start: string, end: string): Promise<string> {
  const { id } = await db.one<{ id: number }>("select ds.build($1, '0.1.0', $2, $3) as id", [dataset, start, end]);
  return (await db.one<{ state: string }>("select ds.wait($1, '60 seconds') as state", [id])).state;
}

/** The store's partitions: rows counted by their statistics, analyzed or not, columns with statistics. */
async function tableStats(on: typeof db, table: string) {
  return on.one<{ reltuples: number; analyzed: boolean; partitions: number; columns: number }>(
    `select coalesce(sum(greatest(c.reltuples, 0)), 0)::float8 as reltuples, count(*)::int as partitions,
            coalesce(bool_and(pg_stat_get_last_analyze_time(c.oid) is not null), false) as analyzed,
            (select count(distinct s.attname)::int from pg_stats s join pg_inherits j on j.inhrelid = format('%I.%I', s.schemaname, s.tablename)::regclass
             where j.inhparent = format('ds_store.%I', $1::text)::regclass) as columns
     from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = format('ds_store.%I', $1::text)::regclass`, [table]);
}

/** The partition of t-many's store that holds ts, analyzed or not (false when it does not exist yet). */
async function partitionAnalyzed(ts: string): Promise<boolean> {
  const { analyzed } = await idle.one<{ analyzed: boolean }>(
    `select coalesce(pg_stat_get_last_analyze_time(to_regclass(format('ds_partitions.%I', ds_private.partition_name(v.id, lower(ds_private.partition_range(v.partition_interval, $1::timestamptz)))))) is not null, false) as analyzed
     from ds_private.dataset_versions v where v.name = 't-many'`, [ts]);
  return analyzed;
}

describe("statistics after a build", () => {
  it("analyzes the table when a build of many rows ends: reltuples and pg_stats are set when ds.wait returns", async () => {
    // three chunks of 15,000 rows, run two at a time
    expect(await buildAndWait("t-many", "2024-01-01", "2024-01-03")).toBe("succeeded");
    const stats = await tableStats(db, "t_many_v0_1_0");
    expect(stats.partitions).toBe(1);
    expect(stats.analyzed).toBe(true);
    expect(stats.reltuples).toBe(45_000);
    expect(stats.columns).toBe(2); // ts and n
    const plan = await db.one<{ "QUERY PLAN": [{ Plan: { "Plan Rows": number } }] }>("explain (format json) select * from ds_store.t_many_v0_1_0");
    expect(plan["QUERY PLAN"][0].Plan["Plan Rows"]).toBe(45_000);
    // the typed view adds the packed batches (none, analyzed empty at registration): a few rows at most
    const view = await db.one<{ "QUERY PLAN": [{ Plan: { "Plan Rows": number } }] }>("explain (format json) select * from ds_data.t_many_v0_1_0");
    expect(view["QUERY PLAN"][0].Plan["Plan Rows"]).toBeGreaterThanOrEqual(45_000);
    expect(view["QUERY PLAN"][0].Plan["Plan Rows"]).toBeLessThan(45_100);
  });

  it("leaves a small build to autovacuum", async () => {
    expect(await buildAndWait("t-binary", "2024-02-01", "2024-02-03")).toBe("succeeded");
    const stats = await tableStats(db, "t_binary_v0_1_0");
    expect(stats.analyzed).toBe(false);
    expect(stats.columns).toBe(0);
  });

  it("analyzes a partition during the build once its last chunk committed, not before; the last chunk analyzes the rest", async () => {
    // four daily chunks of 15,000 rows across two yearly partitions, run by hand one at a time
    const { id } = await idle.one<{ id: number }>("select ds.build('t-many', '0.1.0', '2024-12-30', '2025-01-02') as id");
    const tasks = await idle.q<{ id: number }>(
      "select t.id from ds_private.tasks t join ds_private.build_tasks bt on bt.task_id = t.id where bt.build_id = $1 order by lower(t.points)", [id]);
    expect(tasks).toHaveLength(4);
    const worker = randomUUID();
    const run = async (task: number) => {
      expect(await startTask(idle.pool, task, worker, null)).not.toBeNull();
      await idle.pool.query(`begin; select ds_worker.clear_task_rows(${task});
        insert into ds_store.t_many_v0_1_0 (ts, n) select lower(t.points), g from ds_private.tasks t, generate_series(0, 14999) g where t.id = ${task};
        select ds_worker.complete_tasks(array[${task}]::bigint[], array[15000]::bigint[]); commit`);
      return (await idle.one<{ n: number }>("select ds_worker.analyze_completed(array[$1]::bigint[]) as n", [task])).n;
    };
    // 2024-12-30: its partition still has 2024-12-31 to come
    expect(await run(tasks[0]!.id)).toBe(0);
    expect(await partitionAnalyzed("2024-12-30")).toBe(false);
    // 2024-12-31 finishes the 2024 partition: analyzed after the commit, 2025 not yet
    expect(await run(tasks[1]!.id)).toBe(1);
    expect(await partitionAnalyzed("2024-12-30")).toBe(true);
    expect(await partitionAnalyzed("2025-01-01")).toBe(false);
    // 2025-01-01: 2025-01-02 still to come
    expect(await run(tasks[2]!.id)).toBe(0);
    // the last chunk analyzes in its own transaction; analyze_completed then has nothing left
    expect(await run(tasks[3]!.id)).toBe(0);
    expect(await partitionAnalyzed("2025-01-01")).toBe(true);
    const stats = await tableStats(idle, "t_many_v0_1_0");
    expect(stats).toMatchObject({ partitions: 2, analyzed: true, reltuples: 60_000, columns: 2 });
    expect((await idle.one<{ state: string }>("select state from ds.builds where id = $1", [id])).state).toBe("succeeded");
  });
});
