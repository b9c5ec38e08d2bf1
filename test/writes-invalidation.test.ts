/**
 * Writes and deletes invalidate exactly the affected buckets of derived datasets, per key
 * for those that work per key: w-bars (written, 1m) → w-bars-5m (resample) → w-bars-30m
 * (resample); w-bars-5m → w-bars-count (a SQL builder across keys); w-bars → w-range (a
 * TypeScript builder per key); w-ticks (key ticker, seq) → w-tick-bars (key ticker).
 * What was rebuilt is told by the rows' xmin, the tasks of the build and the builder calls.
 */
import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { calls, resetCalls } from "./fixtures/builders/calls.ts";
import { expectSqlState } from "./support/test-database.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("writes-inval");

const TICKERS = ["AAA", "BBB"];
const minute = (i: number) => new Date(Date.parse("2024-03-01T14:30:00Z") + i * 60_000);
const bar = (ticker: string, i: number, bump = 0) => {
  const open = 100 + i + (ticker === "BBB" ? 50 : 0);
  return { ts: minute(i).toISOString(), ticker, open, high: open + 1 + bump, low: open - 1, close: open + 0.5, volume: 10 };
};

async function write(dataset: string, rows: unknown[], client: pg.ClientBase | pg.Pool = db.pool) {
  return (await client.query("select * from ds.write($1, '0.1.0', $2::jsonb)", [dataset, JSON.stringify(rows)])).rows[0];
}

async function buildAndWait(name: string, start: string, end: string): Promise<number> {
  const { id } = await db.one<{ id: number }>("select ds.build($1, '0.1.0', $2, $3) as id", [name, start, end]);
  expect((await db.one<{ state: string }>("select ds.wait($1, '60 seconds') as state", [id])).state).toBe("succeeded");
  return id;
}

/** (ts, key) → xmin of every row of a table. */
async function xmins(table: string, key = "ticker"): Promise<Map<string, string>> {
  const rows = await db.q<{ k: string; x: string }>(`select ts::text || ' ' || ${key ? key : "''"} as k, xmin::text as x from ds_store.${table}`);
  return new Map(rows.map((r) => [r.k, r.x]));
}

/** The rows whose xmin changed (or that appeared or went) between two snapshots. */
function rewritten(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).sort();
}

const stale = (name: string, client: pg.ClientBase | pg.Pool = db.pool) =>
  client.query("select start_at, end_at, keys from ds.stale($1, '0.1.0')", [name]).then((r) => r.rows);
const missing = (name: string, start: string, end: string) =>
  db.q<{ r: string }>("select r::text from ds.missing($1, '0.1.0', $2, $3) r", [name, start, end]).then((rows) => rows.map((x) => x.r));
const tasksOf = (build: number) =>
  db.q<{ name: string; keys: unknown; points: string }>(
    `select v.name, t.keys, t.points::text as points from ds_private.tasks t join ds_private.build_tasks bt on bt.task_id = t.id
     join ds_private.dataset_versions v on v.id = t.dataset_version_id where bt.build_id = $1 order by v.name, t.id`, [build]);

const AAA = [{ ticker: "AAA" }];
const BBB = [{ ticker: "BBB" }];
const at = (hhmm: string) => new Date(`2024-03-01T${hhmm}:00Z`);

describe("per-key invalidation of resampled bars", () => {
  beforeAll(async () => {
    await write("w-bars", TICKERS.flatMap((t) => Array.from({ length: 60 }, (_, i) => bar(t, i))));
    await buildAndWait("w-bars-30m", "2024-03-01 14:30Z", "2024-03-01 15:00Z");
    await buildAndWait("w-bars-count", "2024-03-01 14:30Z", "2024-03-01 15:25Z");
    await buildAndWait("w-range", "2024-03-01 14:30Z", "2024-03-01 15:29Z");
  });

  it("has built what it reads", async () => {
    expect(await db.one("select count(*)::int as n from ds_data.w_bars_5m_v0_1_0")).toEqual({ n: 24 });
    expect(await db.q("select ticker, high, trades from ds_data.w_bars_30m_v0_1_0 where ts = '2024-03-01 14:30Z' order by ticker"))
      .toEqual([{ ticker: "AAA", high: 130, trades: 30 }, { ticker: "BBB", high: 180, trades: 30 }]);
  });

  it("a failing write leaves dependents' coverage and stale points untouched", async () => {
    const coverage = () => db.q("select name, coverage::text from ds.datasets where name like 'w-bars%' order by name");
    const before = await coverage();
    await expectSqlState(write("w-bars", [bar("AAA", 17, 5), { ...bar("BBB", 17), high: "x" }]), "DS017", /rows\[1\]/);
    expect(await coverage()).toEqual(before);
    expect(await stale("w-bars-5m")).toEqual([]);
    expect(await stale("w-bars-30m")).toEqual([]);
  });

  it("a write at one ticker marks, in its transaction, only that ticker's buckets stale, transitively", async () => {
    const client = await db.pool.connect();
    try {
      await client.query("begin");
      // 14:47 AAA: a higher high (merge-high-low keeps it)
      expect((await write("w-bars", [bar("AAA", 17, 5)], client)).written).toBe(1);
      expect(await stale("w-bars-5m", client)).toEqual([{ start_at: at("14:45"), end_at: at("14:50"), keys: AAA }]);
      expect(await stale("w-bars-30m", client)).toEqual([{ start_at: at("14:30"), end_at: at("15:00"), keys: AAA }]);
      expect(await stale("w-range", client)).toEqual([{ start_at: at("14:47"), end_at: at("14:48"), keys: AAA }]);
      await client.query("rollback");
      expect(await stale("w-bars-5m")).toEqual([]);
      await client.query("begin");
      await write("w-bars", [bar("AAA", 17, 5)], client);
      await client.query("commit");
    } finally {
      await client.query("rollback").catch(() => {});
      client.release();
    }
    // a builder across keys loses its coverage there, for every key
    expect(await missing("w-bars-count", "2024-03-01 14:30Z", "2024-03-01 15:25Z")).toEqual(['["2024-03-01 14:45:00+00","2024-03-01 14:50:00+00")']);
    expect(await missing("w-bars-5m", "2024-03-01 14:30Z", "2024-03-01 15:25Z")).toEqual([]);
  });

  it("the next build rebuilds only those buckets of that ticker", async () => {
    const before5 = await xmins("w_bars_5m_v0_1_0");
    const before30 = await xmins("w_bars_30m_v0_1_0");
    const build = await buildAndWait("w-bars-30m", "2024-03-01 14:30Z", "2024-03-01 15:00Z");
    expect(await tasksOf(build)).toEqual([
      { name: "w-bars-30m", keys: AAA, points: '{["2024-03-01 14:30:00+00","2024-03-01 15:00:00+00")}' },
      { name: "w-bars-5m", keys: AAA, points: '{["2024-03-01 14:45:00+00","2024-03-01 14:50:00+00")}' },
    ]);
    expect(rewritten(before5, await xmins("w_bars_5m_v0_1_0"))).toEqual(["2024-03-01 14:45:00+00 AAA"]);
    expect(rewritten(before30, await xmins("w_bars_30m_v0_1_0"))).toEqual(["2024-03-01 14:30:00+00 AAA"]);
    expect(await db.one("select high from ds_data.w_bars_5m_v0_1_0 where ts = '2024-03-01 14:45Z' and ticker = 'AAA'")).toEqual({ high: 123 });
    expect(await db.q("select ticker, high from ds_data.w_bars_30m_v0_1_0 where ts = '2024-03-01 14:30Z' order by ticker"))
      .toEqual([{ ticker: "AAA", high: 130 }, { ticker: "BBB", high: 180 }]);
    expect(await stale("w-bars-5m")).toEqual([]);
    expect(await stale("w-bars-30m")).toEqual([]);
  });

  it("a builder across keys recomputes only the invalidated point", async () => {
    const before = await xmins("w_bars_count_v0_1_0", "");
    await buildAndWait("w-bars-count", "2024-03-01 14:30Z", "2024-03-01 15:25Z");
    expect(rewritten(before, await xmins("w_bars_count_v0_1_0", ""))).toEqual(["2024-03-01 14:45:00+00 "]);
    expect(await db.one("select tickers, high_sum from ds_data.w_bars_count_v0_1_0 where ts = '2024-03-01 14:45Z'"))
      .toEqual({ tickers: 2, high_sum: 123 + 170 });
  });

  it("a TypeScript builder per key runs for the stale point only and rewrites that ticker's row only", async () => {
    const before = await xmins("w_range_v0_1_0");
    resetCalls();
    const build = await buildAndWait("w-range", "2024-03-01 14:30Z", "2024-03-01 15:29Z");
    expect(calls("w-range").map((c) => c.ts)).toEqual(["2024-03-01T14:47:00.000Z"]);
    expect(await tasksOf(build)).toEqual([{ name: "w-range", keys: AAA, points: '{["2024-03-01 14:47:00+00","2024-03-01 14:48:00+00")}' }]);
    expect(rewritten(before, await xmins("w_range_v0_1_0"))).toEqual(["2024-03-01 14:47:00+00 AAA"]);
    expect(await db.q("select ticker, range from ds_data.w_range_v0_1_0 where ts = '2024-03-01 14:47Z' order by ticker"))
      .toEqual([{ ticker: "AAA", range: 7 }, { ticker: "BBB", range: 2 }]);
  });

  it("an identical row changes nothing and invalidates nothing", async () => {
    expect((await write("w-bars", [bar("BBB", 3)])).written).toBe(0);
    expect(await stale("w-bars-5m")).toEqual([]);
  });

  it("a bucket over written slots that are not covered is not built; once they are, it is, and a later write changes one ticker", async () => {
    await buildAndWait("w-bars-5m", "2024-03-01 15:30Z", "2024-03-01 15:55Z");
    // 15:30 and later: no source rows yet, so nothing is known there: not built (missing), not built empty
    expect(await db.one("select count(*)::int as n from ds_data.w_bars_5m_v0_1_0 where ts >= '2024-03-01 15:30Z'")).toEqual({ n: 0 });
    expect(await missing("w-bars-5m", "2024-03-01 15:30Z", "2024-03-01 15:55Z")).toEqual(['["2024-03-01 15:30:00+00","2024-03-01 16:00:00+00")']);
    await write("w-bars", [bar("AAA", 60), bar("AAA", 61), bar("AAA", 62), bar("AAA", 63), bar("AAA", 64)]);
    await buildAndWait("w-bars-5m", "2024-03-01 15:30Z", "2024-03-01 15:55Z");
    expect(await db.q("select ticker, trades from ds_data.w_bars_5m_v0_1_0 where ts >= '2024-03-01 15:30Z'")).toEqual([{ ticker: "AAA", trades: 5 }]);
    expect(await missing("w-bars-5m", "2024-03-01 15:30Z", "2024-03-01 15:55Z")).toEqual(['["2024-03-01 15:35:00+00","2024-03-01 16:00:00+00")']);
    // now covered: a write of another ticker there is a change of that ticker only
    await write("w-bars", [bar("BBB", 60), bar("BBB", 61)]);
    expect(await stale("w-bars-5m")).toEqual([{ start_at: at("15:30"), end_at: at("15:35"), keys: BBB }]);
    await buildAndWait("w-bars-5m", "2024-03-01 15:30Z", "2024-03-01 15:55Z");
    expect(await db.q("select ticker, trades from ds_data.w_bars_5m_v0_1_0 where ts >= '2024-03-01 15:30Z' order by ticker"))
      .toEqual([{ ticker: "AAA", trades: 5 }, { ticker: "BBB", trades: 2 }]);
  });

  it("a delete of one ticker's rows keeps coverage and invalidates that ticker only", async () => {
    const cov = "select coverage::text from ds.datasets where name = 'w-bars'";
    const coverage = await db.one(cov);
    const deleted = await db.one("select * from ds.delete('w-bars', '0.1.0', '2024-03-01 14:50Z', '2024-03-01 14:54Z', key => '{\"ticker\": \"BBB\"}')");
    expect(deleted).toEqual({ deleted: 5, first_ts: at("14:50"), last_ts: at("14:54") });
    expect(await db.one(cov)).toEqual(coverage);
    expect(await stale("w-bars-5m")).toEqual([{ start_at: at("14:50"), end_at: at("14:55"), keys: BBB }]);
    expect(await stale("w-range")).toEqual([{ start_at: at("14:50"), end_at: at("14:55"), keys: BBB }]);
    const before = await xmins("w_bars_5m_v0_1_0");
    await buildAndWait("w-bars-30m", "2024-03-01 14:30Z", "2024-03-01 15:00Z");
    // BBB's 14:50 bucket has no rows left: its bar is gone; nothing else was rewritten
    expect(rewritten(before, await xmins("w_bars_5m_v0_1_0"))).toEqual(["2024-03-01 14:50:00+00 BBB"]);
    expect(await db.q("select ticker, trades from ds_data.w_bars_30m_v0_1_0 where ts = '2024-03-01 14:30Z' order by ticker"))
      .toEqual([{ ticker: "AAA", trades: 30 }, { ticker: "BBB", trades: 25 }]);
    await expectSqlState(db.q("select * from ds.delete('w-bars', '0.1.0', '2024-03-01', '2024-03-02', key => '{\"open\": 1}')"), "DS029", /invalid key filter/);
  });

  it("a delete of one key of a built dataset rebuilds that key at the next build", async () => {
    const before = await xmins("w_bars_5m_v0_1_0");
    await db.q("select * from ds.delete('w-bars-5m', '0.1.0', '2024-03-01 14:35Z', '2024-03-01 14:35Z', key => '{\"ticker\": \"AAA\"}')");
    expect(await stale("w-bars-5m")).toEqual([{ start_at: at("14:35"), end_at: at("14:40"), keys: AAA }]);
    expect(await stale("w-bars-30m")).toEqual([{ start_at: at("14:30"), end_at: at("15:00"), keys: AAA }]);
    await buildAndWait("w-bars-30m", "2024-03-01 14:30Z", "2024-03-01 15:00Z");
    expect(rewritten(before, await xmins("w_bars_5m_v0_1_0"))).toEqual(["2024-03-01 14:35:00+00 AAA"]);
    expect(await db.one("select trades from ds_data.w_bars_5m_v0_1_0 where ts = '2024-03-01 14:35Z' and ticker = 'AAA'")).toEqual({ trades: 5 });
  });

  it("a delete of every key removes coverage, transitively", async () => {
    await db.q("select * from ds.delete('w-bars', '0.1.0', '2024-03-01 15:00Z', '2024-03-01 15:04:59Z')");
    expect(await missing("w-bars", "2024-03-01 14:30Z", "2024-03-01 15:29Z")).toEqual(['["2024-03-01 15:00:00+00","2024-03-01 15:05:00+00")']);
    expect(await missing("w-bars-5m", "2024-03-01 14:30Z", "2024-03-01 15:25Z")).toEqual(['["2024-03-01 15:00:00+00","2024-03-01 15:05:00+00")']);
    expect(await missing("w-bars-30m", "2024-03-01 14:30Z", "2024-03-01 15:00Z")).toEqual(['["2024-03-01 15:00:00+00","2024-03-01 15:30:00+00")']);
  });
});

describe("per-key invalidation when the dependent's key is part of the source's", () => {
  const tick = (ticker: string, seq: number, second: number) =>
    ({ ts: new Date(Date.parse("2024-03-01T14:30:00Z") + second * 1000 + 0.5).toISOString().replace("Z", "123Z"), ticker, seq, price: 10 + seq, size: 1 + seq });

  it("rebuilds one ticker's bar when a trade of that ticker is added", async () => {
    await write("w-ticks", [tick("AAA", 0, 1), tick("AAA", 1, 1), tick("AAA", 2, 30), tick("BBB", 0, 59)]);
    await buildAndWait("w-tick-bars", "2024-03-01 14:30Z", "2024-03-01 14:30Z");
    expect(await db.q("select ticker, trades, volume, last_at::text from ds_data.w_tick_bars_v0_1_0 order by ticker")).toEqual([
      { ticker: "AAA", trades: 3, volume: 6, last_at: "2024-03-01 14:30:30.000123+00" },
      { ticker: "BBB", trades: 1, volume: 1, last_at: "2024-03-01 14:30:59.000123+00" },
    ]);
    const before = await xmins("w_tick_bars_v0_1_0");
    await write("w-ticks", [tick("AAA", 3, 45)]);
    expect(await stale("w-tick-bars")).toEqual([{ start_at: at("14:30"), end_at: at("14:31"), keys: AAA }]);
    await buildAndWait("w-tick-bars", "2024-03-01 14:30Z", "2024-03-01 14:30Z");
    expect(rewritten(before, await xmins("w_tick_bars_v0_1_0"))).toEqual(["2024-03-01 14:30:00+00 AAA"]);
    expect(await db.one("select trades, volume from ds_data.w_tick_bars_v0_1_0 where ticker = 'AAA'")).toEqual({ trades: 4, volume: 10 });
  });
});

describe("invalidation of points in flight", () => {
  it("marks a task that is building them and orders a later rebuild after it", async () => {
    // 16:00..16:15 written complete (one AAA bar, the rest declared covered), so that it can be built
    await db.q("select * from ds.write('w-bars', '0.1.0', $1::jsonb, '[2024-03-01 16:00Z, 2024-03-01 16:15Z)')", [JSON.stringify([bar("AAA", 92)])]);
    const client = await db.pool.connect();
    try {
      await client.query("begin");
      // w-bars-count 16:00..16:10 is not built: its tasks are queued (the worker cannot see them yet)
      const { rows: [{ id }] } = await client.query("select ds.build('w-bars-count', '0.1.0', '2024-03-01 16:00Z', '2024-03-01 16:10Z') as id");
      // a write at AAA there: w-bars-count does not work per key, so every key of the task's points is invalidated
      await write("w-bars", [bar("AAA", 90), bar("AAA", 91)], client);
      const { rows: [task] } = await client.query(
        `select t.id, t.invalidated::text from ds_private.tasks t join ds_private.build_tasks bt on bt.task_id = t.id
         join ds_private.dataset_versions v on v.id = t.dataset_version_id where bt.build_id = $1 and v.name = 'w-bars-count'`, [id]);
      expect(task.invalidated).toBe('{["2024-03-01 16:00:00+00","2024-03-01 16:05:00+00")}');
      // a new build rebuilds them in a task that waits for the first one
      const { rows: [{ id: second }] } = await client.query("select ds.build('w-bars-count', '0.1.0', '2024-03-01 16:00Z', '2024-03-01 16:10Z') as id");
      const { rows: edges } = await client.query(
        `select t.points::text, e.depends_on from ds_private.tasks t join ds_private.task_edges e on e.task_id = t.id
         join ds_private.dataset_versions v on v.id = t.dataset_version_id where t.build_id = $1 and v.name = 'w-bars-count' and e.depends_on = $2`, [second, task.id]);
      expect(edges).toEqual([{ points: '{["2024-03-01 16:00:00+00","2024-03-01 16:05:00+00")}', depends_on: task.id }]);
    } finally {
      await client.query("rollback");
      client.release();
    }
  });
});
