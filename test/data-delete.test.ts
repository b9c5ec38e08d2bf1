import { beforeEach, describe, expect, it } from "vitest";
import { calls, knobs, resetCalls } from "./fixtures/builders/calls.ts";
import { expectSqlState } from "./support/test-database.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("data");

async function buildAndWait(name: string, start: string, end: string) {
  const { id } = await db.one<{ id: number }>("select ds.build($1, '0.1.0', $2, $3) as id", [name, start, end]);
  return (await db.one<{ state: string }>("select ds.wait($1, '60 seconds') as state", [id])).state;
}

beforeEach(() => resetCalls());

describe("ds.data", () => {
  it("with build => true builds what is missing and returns complete data from one statement", async () => {
    const rows = await db.q<{ ts: Date; data: { value: number } }>(
      "select * from ds.data('t-child', '0.1.0', '2024-02-01', '2024-02-10', build => true)");
    expect(rows).toHaveLength(10);
    expect(rows[9]!.data).toEqual({ total: 8 + 9 + 10, n: 3 });
    expect(calls("t-child")).toHaveLength(10);
  });

  it("without build returns only what is stored", async () => {
    const rows = await db.q("select * from ds.data('t-child', '0.1.0', '2024-02-05', '2024-02-15')");
    expect(rows).toHaveLength(6);
  });

  it("reports a timeout as DS016 and a failed build as DS021", async () => {
    const timedOut = await expectSqlState(
      db.q("select * from ds.data('t-minute', '0.1.0', '2024-07-01', '2024-07-31', build => true, timeout => '1 millisecond')"), "DS016");
    expect(timedOut.message).toMatch(/still (queued|running) after/);
    knobs.badMode = 1;
    try {
      const failed = await expectSqlState(db.q("select * from ds.data('t-bad', '0.1.0', '2024-01-01', '2024-01-05', build => true)"), "DS021");
      expect((failed as { detail?: string }).detail).toMatch(/t-bad 0\.1\.0 at 2024-01-03/);
    } finally {
      knobs.badMode = 0;
    }
  });

  it("builds an intraday nyse dataset with points only inside the session", async () => {
    expect(await buildAndWait("t-minute", "2024-11-29", "2024-12-02T23:59:00Z")).toBe("succeeded");
    const perDay = await db.q<{ d: string; n: number; first: string; last: string }>(
      `select to_char(ts at time zone 'UTC', 'YYYY-MM-DD') d, count(*)::int n,
              to_char(min(ts) at time zone 'UTC', 'HH24:MI') first, to_char(max(ts) at time zone 'UTC', 'HH24:MI') last
       from ds_data.t_minute_v0_1_0 where ts >= '2024-11-29' and ts < '2024-12-03' group by 1 order by 1`);
    expect(perDay).toEqual([
      { d: "2024-11-29", n: 210, first: "14:30", last: "17:59" }, // early close at 13:00 New York
      { d: "2024-12-02", n: 390, first: "14:30", last: "20:59" },
    ]);
  });
});

describe("ds.delete", () => {
  it("returns the count and the actual first and last deleted timestamps, and removes coverage", async () => {
    expect(await buildAndWait("t-child", "2024-03-01", "2024-03-20")).toBe("succeeded");
    const res = await db.one<{ deleted: number; first_ts: Date; last_ts: Date }>(
      "select * from ds.delete('t-root', '0.1.0', '2024-03-05T12:00:00Z', '2024-03-07T12:00:00Z')");
    expect(res.deleted).toBe(2);
    expect(res.first_ts.toISOString()).toBe("2024-03-06T00:00:00.000Z");
    expect(res.last_ts.toISOString()).toBe("2024-03-07T00:00:00.000Z");
    const missing = await db.q<{ lo: Date; hi: Date }>("select lower(r) lo, upper(r) hi from ds.missing('t-root', '0.1.0', '2024-03-01', '2024-03-20') r");
    expect(missing.map((m) => [m.lo.toISOString(), m.hi.toISOString()])).toEqual([["2024-03-06T00:00:00.000Z", "2024-03-08T00:00:00.000Z"]]);
  });

  it("invalidates dependents over the points whose lookback read the deleted ones, and rebuilds only those", async () => {
    const missing = await db.q<{ lo: Date; hi: Date }>("select lower(r) lo, upper(r) hi from ds.missing('t-child', '0.1.0', '2024-03-01', '2024-03-20') r");
    // root 6..7 deleted; t-child reads [T-2d, T]: points 6..9 read them
    expect(missing.map((m) => [m.lo.toISOString(), m.hi.toISOString()])).toEqual([["2024-03-06T00:00:00.000Z", "2024-03-10T00:00:00.000Z"]]);
    expect(await buildAndWait("t-child", "2024-03-01", "2024-03-20")).toBe("succeeded");
    expect(calls("t-root").map((c) => c.ts.slice(0, 10)).sort()).toEqual(["2024-03-06", "2024-03-07"]);
    expect(calls("t-child").map((c) => c.ts.slice(0, 10)).sort()).toEqual(["2024-03-06", "2024-03-07", "2024-03-08", "2024-03-09"]);
    const rows = await db.q("select ts from ds_data.t_child_v0_1_0 where ts between '2024-03-01' and '2024-03-20'");
    expect(rows).toHaveLength(20);
  });
});

describe("bad input", () => {
  it("rejects an unknown dataset or version (DS001)", async () => {
    await expectSqlState(db.q("select ds.build('nope', '0.1.0', '2024-01-01', '2024-01-02')"), "DS001");
    const err = await expectSqlState(db.q("select ds.build('t-root', '9.9.9', '2024-01-01', '2024-01-02')"), "DS001");
    expect((err as { detail?: string }).detail).toMatch(/0\.1\.0/);
    await expectSqlState(db.q("select * from ds.data('nope', '0.1.0', '2024-01-01', '2024-01-02')"), "DS001");
    await expectSqlState(db.q("select * from ds.delete('nope', '0.1.0', '2024-01-01', '2024-01-02')"), "DS001");
    await expectSqlState(db.q("select * from ds.missing('nope', '0.1.0', '2024-01-01', '2024-01-02')"), "DS001");
  });

  it("rejects start after end (DS012) and malformed timestamps (22007)", async () => {
    await expectSqlState(db.q("select ds.build('t-root', '0.1.0', '2024-02-01', '2024-01-01')"), "DS012");
    await expectSqlState(db.q("select * from ds.data('t-root', '0.1.0', '2024-02-01', '2024-01-01')"), "DS012");
    await expectSqlState(db.q("select ds.build('t-root', '0.1.0', 'yesterday-ish', '2024-01-01')"), "22007");
    await expectSqlState(db.q("select ds.build('t-root', '0.1.0', null, '2024-01-01')"), "DS012");
  });

  it("rejects a range without calendar points (DS013) and enqueues nothing", async () => {
    const before = await db.one<{ n: number }>("select count(*)::int n from ds_private.tasks");
    await expectSqlState(db.q("select ds.build('t-counted', '0.1.0', '2024-01-06', '2024-01-07')"), "DS013");
    await expectSqlState(db.q("select ds.build('t-minute', '0.1.0', '2024-01-02T22:00:00Z', '2024-01-03T05:00:00Z')"), "DS013");
    expect((await db.one<{ n: number }>("select count(*)::int n from ds_private.tasks")).n).toBe(before.n);
  });

  it("treats hostile names as data, not SQL", async () => {
    for (const name of ["t-root'; drop table ds_private.tasks; --", "\"t-root\"", "ds_data.t_root_v0_1_0", ""]) {
      await expectSqlState(db.q("select ds.build($1, '0.1.0', '2024-01-01', '2024-01-02')", [name]), "DS001");
      await expectSqlState(db.q("select * from ds.data($1, '0.1.0', '2024-01-01', '2024-01-02')", [name]), "DS001");
    }
    expect((await db.one<{ n: number }>("select count(*)::int n from ds_private.tasks")).n).toBeGreaterThan(0);
  });

  it("reports an unknown build (DS015)", async () => {
    await expectSqlState(db.q("select ds.wait(987654321)"), "DS015");
    await expectSqlState(db.q("select ds.cancel(987654321)"), "DS015");
  });
});

describe("ds.wait on a build of the same transaction", () => {
  it("refuses at once instead of waiting forever (DS016)", async () => {
    const started = Date.now();
    const err = await expectSqlState(db.q("select ds.wait(ds.build('t-root', '0.1.0', '2024-09-01', '2024-09-02'))"), "DS016");
    expect(err.message).toMatch(/created in this transaction/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
