/**
 * Refresh policies: [refresh] on-write = true (w-live-5m: a write, import or delete of
 * w-live enqueues the rebuild of the points it affects, in its own transaction) and
 * [refresh] schedule (w-live-daily: a graphile-worker cron item of the task ds_refresh;
 * the test calls the task directly instead of waiting for the clock).
 */
import { describe, expect, it } from "vitest";
import type { JobHelpers } from "graphile-worker";
import { makeRefreshTask, refreshCronItems } from "../worker/refresh-task.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("writes-refresh");

const bar = (ticker: string, ts: string, high = 11) => ({ ts, ticker, open: 10, high, low: 9, close: 10.5, volume: 1 });
const minute = (m: number) => `2024-03-01T14:${String(30 + m).padStart(2, "0")}:00Z`;
const lastBuild = (name: string) =>
  db.one<{ id: number | null }>("select max(id) as id from ds.builds where dataset = $1", [name]).then((r) => r.id);
const wait = async (id: number | null) => {
  expect(id).not.toBeNull();
  expect((await db.one<{ state: string }>("select ds.wait($1, '60 seconds') as state", [id])).state).toBe("succeeded");
};
const xmin = (ticker: string) =>
  db.one<{ x: string }>("select xmin::text as x from ds_store.w_live_5m_v0_1_0 where ts = '2024-03-01 14:30Z' and ticker = $1", [ticker]).then((r) => r?.x);

describe("[refresh] on-write", () => {
  it("a write enqueues, in its transaction, the build of the buckets it affects", async () => {
    const client = await db.pool.connect();
    try {
      await client.query("begin");
      await client.query("select * from ds.write('w-live', '0.1.0', $1::jsonb)",
        [JSON.stringify(["AAA", "BBB"].flatMap((t) => [0, 1, 2, 3, 4].map((m) => bar(t, minute(m)))))]);
      const { rows } = await client.query("select dataset, state, points from ds.builds where dataset = 'w-live-5m'");
      expect(rows).toEqual([{ dataset: "w-live-5m", state: "queued", points: 1 }]);
      await client.query("commit");
    } finally {
      await client.query("rollback").catch(() => {});
      client.release();
    }
    await wait(await lastBuild("w-live-5m"));
    expect(await db.q("select ticker, high, trades from ds_data.w_live_5m_v0_1_0 order by ticker"))
      .toEqual([{ ticker: "AAA", high: 11, trades: 5 }, { ticker: "BBB", high: 11, trades: 5 }]);
    // the datasets without [refresh] on-write are left alone
    expect(await db.one("select count(*)::int as n from ds.builds where dataset <> 'w-live-5m'")).toEqual({ n: 0 });
  });

  it("a write at one ticker rebuilds that ticker's bucket only", async () => {
    const before = await xmin("BBB");
    const previous = await lastBuild("w-live-5m");
    await db.q("select * from ds.write('w-live', '0.1.0', $1::jsonb)", [JSON.stringify([bar("AAA", minute(2), 15)])]);
    const id = await lastBuild("w-live-5m");
    expect(id).not.toBe(previous);
    await wait(id);
    expect(await db.q("select t.keys from ds_private.tasks t where t.build_id = $1", [id])).toEqual([{ keys: [{ ticker: "AAA" }] }]);
    expect(await db.one("select high from ds_data.w_live_5m_v0_1_0 where ticker = 'AAA'")).toEqual({ high: 15 });
    expect(await xmin("BBB")).toBe(before);
  });

  it("a delete rebuilds what it affects too", async () => {
    await db.q("select * from ds.delete('w-live', '0.1.0', '2024-03-01 14:30Z', '2024-03-01 14:34Z', key => '{\"ticker\": \"BBB\"}')");
    await wait(await lastBuild("w-live-5m"));
    expect(await db.q("select ticker from ds_data.w_live_5m_v0_1_0")).toEqual([{ ticker: "AAA" }]);
  });

  it("a write whose points no dependent has (a closed market) plans no build", async () => {
    const before = await lastBuild("w-live-5m");
    await db.q("select * from ds.write('w-live', '0.1.0', $1::jsonb)", [JSON.stringify([bar("AAA", "2024-03-02T15:00:00Z")])]);
    expect(await lastBuild("w-live-5m")).toBe(before);
  });
});

describe("[refresh] schedule", () => {
  it("lists the scheduled datasets and registers their cron items with graphile-worker", async () => {
    expect(await db.q("select * from ds_worker.refresh_schedules()")).toEqual([{ dataset: "w-live-daily", version: "0.1.0", schedule: "0 0 1 1 *" }]);
    const items = await refreshCronItems(db.pool, () => {});
    expect(items.map((i) => [i.task, i.identifier, i.payload])).toEqual([
      ["ds_refresh", "ds_refresh:w-live-daily@0.1.0", { dataset: "w-live-daily", version: "0.1.0" }],
    ]);
    // the running worker told graphile-worker about it
    let known: unknown[] = [];
    for (let i = 0; i < 50 && known.length === 0; i++) {
      known = await db.q("select identifier from graphile_worker._private_known_crontabs where identifier like 'ds_refresh:%'");
      if (known.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(known).toEqual([{ identifier: "ds_refresh:w-live-daily@0.1.0" }]);
  });

  it("the ds_refresh task builds nothing while its written source has nothing there (the days stay missing)", async () => {
    const task = makeRefreshTask(db.pool);
    const helpers = {} as JobHelpers;
    await task({ dataset: "w-live-daily", version: "0.1.0" }, helpers);
    // w-live has no rows and no covered range from 2026-10-01 on: no day is known, none is built empty
    expect(await lastBuild("w-live-daily")).toBeNull();
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    expect((await db.q("select * from ds.missing('w-live-daily', '0.1.0', '2026-10-01', $1)", [yesterday])).length).toBeGreaterThan(0);
  });

  it("rebuilds the day a write completes (covers declares the whole session written)", async () => {
    // Thursday 2026-10-01: 09:30-16:00 New York is 13:30-20:00 UTC
    await db.q("select * from ds.write('w-live', '0.1.0', $1::jsonb, '[2026-10-01 13:30Z, 2026-10-01 20:00Z)')",
      [JSON.stringify([bar("AAA", "2026-10-01T13:30:00Z", 12), bar("AAA", "2026-10-01T19:59:00Z", 13)])]);
    expect(await db.q("select r::text from ds.missing('w-live-daily', '0.1.0', '2026-10-01', '2026-10-01') r"))
      .toEqual([{ r: '["2026-10-01 00:00:00+00","2026-10-02 00:00:00+00")' }]);
    await makeRefreshTask(db.pool)({ dataset: "w-live-daily", version: "0.1.0" }, {} as JobHelpers);
    await wait(await lastBuild("w-live-daily"));
    expect(await db.q("select ts, ticker, high, low, trades from ds_data.w_live_daily_v0_1_0"))
      .toEqual([{ ts: new Date("2026-10-01T00:00:00Z"), ticker: "AAA", high: 13, low: 9, trades: 2 }]);
  });
});
