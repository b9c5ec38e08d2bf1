/**
 * Statistics after large builds (issue 8): the last chunk of a build that wrote many rows
 * analyzes the dataset's table before ds.wait returns, so that the reads that follow are
 * planned on real row counts; small builds leave it to autovacuum.
 */
import { describe, expect, it } from "vitest";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("analyze_after_build");

async function buildAndWait(dataset: string, start: string, end: string): Promise<string> {
  const { id } = await db.one<{ id: number }>("select ds.build($1, '0.1.0', $2, $3) as id", [dataset, start, end]);
  return (await db.one<{ state: string }>("select ds.wait($1, '60 seconds') as state", [id])).state;
}

async function tableStats(table: string) {
  return db.one<{ reltuples: number; analyzed: boolean; columns: number }>(
    `select c.reltuples::float8 as reltuples, pg_stat_get_last_analyze_time(c.oid) is not null as analyzed,
            (select count(*)::int from pg_stats s where s.schemaname = 'ds_store' and s.tablename = $1) as columns
     from pg_class c where c.oid = format('ds_store.%I', $1::text)::regclass`, [table]);
}

describe("statistics after a build", () => {
  it("analyzes the table when a build of many rows ends: reltuples and pg_stats are set when ds.wait returns", async () => {
    // three chunks of 15,000 rows, run two at a time
    expect(await buildAndWait("t-many", "2024-01-01", "2024-01-03")).toBe("succeeded");
    const stats = await tableStats("t_many_v0_1_0");
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
    const stats = await tableStats("t_binary_v0_1_0");
    expect(stats.analyzed).toBe(false);
    expect(stats.columns).toBe(0);
  });
});
