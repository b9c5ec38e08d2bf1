import { beforeEach, describe, expect, it } from "vitest";
import { calls, knobs, resetCalls } from "./fixtures/builders/calls.ts";
import { expectSqlState } from "./support/test-database.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("build");

async function buildAndWait(name: string, start: string, end: string, version = "0.1.0") {
  const { id } = await db.one<{ id: number }>("select ds.build($1, $2, $3, $4) as id", [name, version, start, end]);
  const { state } = await db.one<{ state: string }>("select ds.wait($1, '60 seconds') as state", [id]);
  return { id, state, build: await db.one("select * from ds.builds where id = $1", [id]) };
}

const days = (dates: string[]) => dates.map((d) => `${d}T00:00:00.000Z`);

beforeEach(() => resetCalls());

describe("ds.build and the worker", () => {
  it("builds a root dataset over an inclusive range and reads it back with ds.data", async () => {
    const { state, build } = await buildAndWait("t-root", "2024-01-01", "2024-01-05");
    expect(state).toBe("succeeded");
    expect(build).toMatchObject({ dataset: "t-root", version: "0.1.0", progress: 1, rows_written: 5 });
    const rows = await db.q("select ts, data from ds.data('t-root', '0.1.0', '2024-01-01', '2024-01-05')");
    expect(rows.map((r) => (r.ts as Date).toISOString())).toEqual(days(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]));
    expect(rows.map((r) => r.data)).toEqual([1, 2, 3, 4, 5].map((value) => ({ value })));
    const typed = await db.q("select ts, value from ds_data.t_root_v0_1_0 order by ts");
    expect(typed).toHaveLength(5);
  });

  it("runs no builder when the range is already built, and creates no task", async () => {
    const { build } = await buildAndWait("t-root", "2024-01-01", "2024-01-05");
    expect(build).toMatchObject({ state: "succeeded", tasks: 0 });
    expect(calls()).toEqual([]);
  });

  it("extending a range builds only the new points", async () => {
    await buildAndWait("t-root", "2024-01-03", "2024-01-08");
    expect(calls("t-root").map((c) => c.ts).sort()).toEqual(days(["2024-01-06", "2024-01-07", "2024-01-08"]));
  });

  it("clamps the start to the dataset's start date and rejects an end before it (DS012)", async () => {
    const { state } = await buildAndWait("t-root", "2023-12-01", "2024-01-02");
    expect(state).toBe("succeeded");
    await expectSqlState(db.q("select ds.build('t-root', '0.1.0', '2023-01-01', '2023-12-31')"), "DS012");
  });

  it("gives a wall-clock lookback [T-(N-1)d, T], truncated at the dependency's start date", async () => {
    await buildAndWait("t-child", "2024-01-01", "2024-01-12");
    const byTs = Object.fromEntries(calls("t-child").map((c) => [c.ts.slice(0, 10), c.deps["t-root"]]));
    expect(byTs["2024-01-01"]).toEqual(days(["2024-01-01"]));
    expect(byTs["2024-01-02"]).toEqual(days(["2024-01-01", "2024-01-02"]));
    expect(byTs["2024-01-12"]).toEqual(days(["2024-01-10", "2024-01-11", "2024-01-12"]));
    const row = await db.one("select total, n from ds_data.t_child_v0_1_0 where ts = '2024-01-12'");
    expect(row).toEqual({ total: 10 + 11 + 12, n: 3 });
    // the root was built for the whole window, each point once
    const rootCalls = calls("t-root").map((c) => c.ts);
    expect(new Set(rootCalls).size).toBe(rootCalls.length);
  });

  it("gives a counted lookback: the dependency's N most recent calendar points up to T", async () => {
    // t-counted is on the weekday calendar and reads the 3 latest points of t-root (everyday)
    await buildAndWait("t-counted", "2024-01-15", "2024-01-16");
    const byTs = Object.fromEntries(calls("t-counted").map((c) => [c.ts.slice(0, 10), c.deps["t-root"]]));
    expect(byTs["2024-01-15"]).toEqual(days(["2024-01-13", "2024-01-14", "2024-01-15"]));
    expect(Object.keys(byTs)).toEqual(["2024-01-15", "2024-01-16"]);
    resetCalls();
    await buildAndWait("t-counted", "2024-01-01", "2024-01-02");
    const early = Object.fromEntries(calls("t-counted").map((c) => [c.ts.slice(0, 10), c.deps["t-root"]]));
    expect(early["2024-01-01"]).toEqual(days(["2024-01-01"]));
    expect(early["2024-01-02"]).toEqual(days(["2024-01-01", "2024-01-02"]));
  });

  it("unions diamonds: every dependency point is built once", async () => {
    await buildAndWait("t-top", "2024-02-01", "2024-02-10");
    const root = calls("t-root").map((c) => c.ts);
    expect(new Set(root).size).toBe(root.length);
    expect(root.sort()[0]).toBe("2024-01-31T00:00:00.000Z"); // t-left's 2d lookback reaches one day back
    expect(calls("t-left")).toHaveLength(11);
    expect(calls("t-right")).toHaveLength(10);
    const row = await db.one("select value from ds_data.t_top_v0_1_0 where ts = '2024-02-05'");
    expect(row).toEqual({ value: 5 * 2 + 5 * 3 });
  });

  it("counts points whose builder returned no rows as built (built-empty is not missing)", async () => {
    await buildAndWait("t-sparse", "2024-03-01", "2024-03-10");
    const missing = await db.q("select * from ds.missing('t-sparse', '0.1.0', '2024-03-01', '2024-03-10')");
    expect(missing).toEqual([]);
    const rows = await db.q("select ts, data from ds.data('t-sparse', '0.1.0', '2024-03-01', '2024-03-10')");
    expect(rows).toHaveLength(6 * 3); // 6 weekdays x 3 tickers, nothing on the weekend
    expect(rows.slice(0, 3).map((r) => r.data)).toEqual([
      { ticker: "AAA", price: 1 }, { ticker: "BBB", price: 1.1 }, { ticker: "CCC", price: 1.2 },
    ]);
    resetCalls();
    const { build } = await buildAndWait("t-sparse", "2024-03-02", "2024-03-03");
    expect(build.tasks).toBe(0);
    expect(calls()).toEqual([]);
  });

  it("ds.missing returns the missing ranges, built points excluded", async () => {
    const missing = await db.q<{ r: string }>("select r::text from ds.missing('t-root', '0.1.0', '2024-01-07', '2024-01-20') r");
    expect(missing).toHaveLength(1);
    const [lo, hi] = await db.one<{ lo: Date; hi: Date }>("select lower(r) lo, upper(r) hi from ds.missing('t-root', '0.1.0', '2024-01-07', '2024-01-20') r").then((r) => [r.lo, r.hi]);
    // t-root is built up to 2024-01-16 by the lookback tests at this point
    expect(lo!.toISOString()).toBe("2024-01-17T00:00:00.000Z");
    expect(hi!.toISOString()).toBe("2024-01-21T00:00:00.000Z");
  });

  it("builds each point exactly once under 10 concurrent identical builds", async () => {
    const ids = await Promise.all(
      Array.from({ length: 10 }, () => db.one<{ id: number }>("select ds.build('t-child', '0.1.0', '2024-04-01', '2024-04-30') as id").then((r) => r.id)),
    );
    const states = await Promise.all(ids.map((id) => db.one<{ s: string }>("select ds.wait($1, '60 seconds') as s", [id])));
    expect(states.map((s) => s.s)).toEqual(Array(10).fill("succeeded"));
    const child = calls("t-child").map((c) => c.ts);
    expect(child).toHaveLength(30);
    expect(new Set(child).size).toBe(30);
    const root = calls("t-root").map((c) => c.ts);
    expect(new Set(root).size).toBe(root.length);
    expect(root).toHaveLength(32); // April plus the two days of lookback before it
  });

  it("builds each point once for overlapping concurrent ranges", async () => {
    const ranges = [["2024-05-01", "2024-05-20"], ["2024-05-10", "2024-05-31"], ["2024-05-05", "2024-05-25"]];
    const ids = await Promise.all(ranges.map(([s, e]) => db.one<{ id: number }>("select ds.build('t-root', '0.1.0', $1, $2) as id", [s, e]).then((r) => r.id)));
    for (const id of ids) expect((await db.one<{ s: string }>("select ds.wait($1) as s", [id])).s).toBe("succeeded");
    const root = calls("t-root").map((c) => c.ts);
    expect(root).toHaveLength(31);
    expect(new Set(root).size).toBe(31);
  });

  it("notifies ds_progress as a build is planned and its chunks succeed", async () => {
    const client = await db.pool.connect();
    const events: { build?: number; builds?: number[]; event: string }[] = [];
    client.on("notification", (n) => events.push(JSON.parse(n.payload!)));
    await client.query("listen ds_progress");
    try {
      const { id } = await buildAndWait("t-root", "2024-07-01", "2024-07-20");
      await new Promise((r) => setTimeout(r, 100));
      expect(events).toContainEqual({ build: id, event: "planned" });
      const succeeded = events.filter((e) => e.event === "succeeded" && e.builds?.includes(id));
      expect(succeeded).toHaveLength(2); // 20 points in chunks of 10
    } finally {
      await client.query("unlisten *");
      client.release();
    }
  });
});
