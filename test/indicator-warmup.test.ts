/**
 * The indicator transform's warm-up (issue 7, item 6 of the data bugs): an indicator
 * declares a counted lookback N on its source, each value is the function over the key's
 * rows in the N most recent source points, and a write into a one-minute NYSE dataset
 * refreshes only the points it can change, up to the last written point (no longer a
 * "99999d" lookback that planned millions of points up to 2100).
 */
import { describe, expect, it } from "vitest";
import { expectSqlState } from "./support/test-database.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("indicator-warmup");

/** 2024-03-01 (EST): the session opens at 14:30 UTC; minute m of the session. */
const minute = (m: number) => new Date(Date.parse("2024-03-01T14:30:00Z") + m * 60_000).toISOString();
const price = (m: number) => 100 + 5 * Math.sin(m / 3) + m / 10;
const write = (minutes: number[], ticker = "AAA", shift = 0) =>
  db.one<{ written: number }>("select * from ds.write('w-prices', '0.1.0', $1::jsonb)",
    [JSON.stringify(minutes.map((m) => ({ ts: minute(m), ticker, close: price(m) + shift })))]);
const lastBuild = () => db.one<{ id: number; points: number; tasks: number; state: string }>(
  "select id, points, tasks, state from ds.builds where dataset = 'w-prices-rsi' order by id desc limit 1");
const waitLast = async () => {
  const { id } = await lastBuild();
  expect((await db.one<{ s: string }>("select ds.wait($1, '60 seconds') as s", [id])).s).toBe("succeeded");
};
/** ds.rsi over the rows of the 30 source points up to each point, independently of the transform. */
const expected = () => db.q(
  `with p as (select ts, row_number() over (order by ts) as n from ds.calendar_points('nyse', '1m', '2024-03-01', '2024-03-02') c(ts)),
        s as (select w.ts, w.ticker, w.close, p.n from ds_data.w_prices_v0_1_0 w join p using (ts))
   select s.ts, s.ticker, v.rsi from s,
     lateral (select (ds.rsi(array_agg(o.close order by o.ts), 14))[count(*)] as rsi
              from s o where o.ticker = s.ticker and o.n > s.n - 30 and o.n <= s.n) v
   where v.rsi is not null order by s.ts, s.ticker`);
const actual = () => db.q("select ts, ticker, rsi from ds_data.w_prices_rsi_v0_1_0 order by ts, ticker");

describe("indicator warm-up on a written one-minute NYSE dataset", () => {
  it("a 3-tick write plans its 3 points, not the rest of the calendar", async () => {
    await write([0, 1, 2]);
    const build = await lastBuild();
    expect({ points: build.points, tasks: build.tasks }).toEqual({ points: 3, tasks: 1 });
    await waitLast();
    // RSI(14) has no value before 15 points: nothing written, the 3 points are built
    expect(await actual()).toEqual([]);
    expect(await db.one("select coverage::text as c from ds.datasets where name = 'w-prices-rsi'"))
      .toEqual({ c: '{["2024-03-01 14:30:00+00","2024-03-01 14:33:00+00")}' });
  });

  it("values are ds.rsi over the trailing window of the 30 warm-up points", async () => {
    await write(Array.from({ length: 57 }, (_, i) => i + 3));
    expect((await lastBuild()).points).toBe(57);
    await waitLast();
    const rows = await actual();
    expect(rows.length).toBe(60 - 14);
    expect(rows).toEqual(await expected());
  });

  it("a correction refreshes the warm-up's points after it, up to the last written point", async () => {
    await write([40], "AAA", 3);
    // minute 40 changes the values of minutes 40..59 (69 would be the warm-up's end, but 59 is the last written)
    expect((await lastBuild()).points).toBe(20);
    await waitLast();
    expect(await actual()).toEqual(await expected());
  });

  it("refuses a wall-clock lookback or a warm-up too short for the function (DS019)", async () => {
    const def = (lookback: unknown, period = 14) => JSON.stringify({
      name: "w-bad-rsi", version: "0.1.0", calendar: "nyse", granularity: "1m", start_date: "2024-03-01", key: ["ticker"],
      schema: [{ name: "ticker", type: "str" }, { name: "rsi", type: "float" }],
      dependencies: [{ name: "w-prices", version: "0.1.0", lookback }],
      transform: { kind: "indicator", source: "w-prices", function: "rsi", period } });
    const wall = await expectSqlState(db.q("select ds.register_dataset($1::jsonb)", [def("99999d")]), "DS019");
    expect((wall as { detail?: string }).detail).toMatch(/field "dependencies.w-prices.lookback": .*counted lookback/);
    expect((wall as { hint?: string }).hint).toMatch(/lookback = 100/);
    const short = await expectSqlState(db.q("select ds.register_dataset($1::jsonb)", [def(14)]), "DS019");
    expect((short as { detail?: string }).detail).toMatch(/a warm-up of 14 points is too short for ds.rsi/);
    await db.q("select ds.register_dataset($1::jsonb)", [def(15)]); // RSI(14) has its first value at the 15th point
  });
});
