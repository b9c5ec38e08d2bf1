/**
 * ds_private.calendar_slots, slot_count and nth_point_before/after: checked against a
 * brute-force enumeration of grid points straight from calendar_sessions.
 */
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "./support/test-database.ts";

const db = useTestDatabase("calendar_slots");

const iso = (t: string | Date) => new Date(t).toISOString();

// Every grid point of step in within, kept when it is a calendar point by definition:
// below a day inside a session [open, close); from a day up on a session date.
const compareSql = `
  with slots as (select ds_private.calendar_slots($1, $2::interval, $3::tstzrange) as s),
  from_slots as (
    select array_agg(p order by p) as a
    from slots, unnest(s) as r, generate_series(lower(r), upper(r) - $2::interval, $2::interval) as p
  ),
  brute as (
    select array_agg(g order by g) as a
    from generate_series(ds_private.align_down(lower($3::tstzrange), $2::interval), upper($3::tstzrange), $2::interval) as g
    join ds_private.calendars c on c.name = $1
    where $3::tstzrange @> g
      and case
        when c.kind = 'always-open' then c.span @> g
        when $2::interval < interval '1 day' then exists (
          select from ds_private.calendar_sessions x where x.calendar = $1 and x.open_at <= g and g < x.close_at
          and x.day between (g at time zone 'UTC')::date - 1 and (g at time zone 'UTC')::date + 1)
        else exists (
          select from ds_private.calendar_sessions x where x.calendar = $1 and x.day = (g at time zone 'UTC')::date)
      end
  )
  select coalesce((select a from from_slots), '{}') as from_slots, coalesce((select a from brute), '{}') as brute,
         ds_private.slot_count(s, $2::interval)::int as count, (select count(*) from unnest(s))::int as ranges
  from slots`;

describe("calendar_slots", () => {
  it.each([
    ["nyse", "1 minute", "[2024-03-08 15:17:23Z, 2024-03-12 18:00Z)"],
    ["nyse", "5 minutes", "(2024-03-11 13:30Z, 2024-03-11 19:55Z]"],
    ["nyse", "5 minutes", "[2024-03-11 13:30Z, 2024-03-11 19:55Z)"],
    ["nyse", "1 hour", "[2024-01-01, 2024-02-01)"],
    ["nyse", "7 minutes", "[2024-06-28, 2024-07-09]"],
    ["nyse", "1 second", "[2024-11-29 17:00Z, 2024-11-29 19:00Z]"],
    ["nyse", "1 day", "[2024-11-20, 2024-12-31]"],
    ["nyse", "36 hours", "[2024-01-01, 2024-03-01]"],
    ["nyse-daily", "1 hour", "[2024-12-20 05:17Z, 2025-01-03 00:00Z]"],
    ["nyse-daily", "1 day", "(2024-12-24 00:00Z, 2025-01-09 00:00Z]"],
    ["nyse-daily", "1 day", "[1969-12-25, 1970-01-10)"],
    ["weekday", "1 day", "[2024-01-01, 2024-03-01)"],
    ["weekday", "7 hours", "[2024-01-01, 2024-01-20)"],
    ["weekday", "7 days", "[2024-01-01, 2024-04-01)"],
    ["everyday", "2 days", "[2024-01-01, 2024-02-01]"],
    ["always-open", "15 minutes", "(2024-01-01 00:00Z, 2024-01-02 00:00Z]"],
    ["always-open", "1 day", "[2024-01-01 00:00:01Z, 2024-01-31 00:00Z)"],
  ])("%s at %s over %s holds exactly the calendar points", async (calendar, step, range) => {
    const { rows } = await db.pool.query(compareSql, [calendar, step, range]);
    const r = rows[0] as { from_slots: Date[]; brute: Date[]; count: number; ranges: number };
    expect(r.brute.length).toBeGreaterThan(0);
    expect(r.from_slots.map(iso)).toEqual(r.brute.map(iso));
    expect(r.count).toBe(r.brute.length);
  });

  it("returns one range per session, run of days or week, never per point", async () => {
    const q = `select (select count(*) from unnest(s))::int as ranges, ds_private.slot_count(s, $2::interval)::int as points
               from ds_private.calendar_slots($1, $2::interval, tstzrange('2015-01-01', '2025-01-01')) as s`;
    const nyse = (await db.pool.query(q, ["nyse", "1 minute"])).rows[0];
    expect(nyse.ranges).toBeLessThanOrEqual(2520); // one per session: 2516 sessions in 10 years
    expect(nyse.points).toBeGreaterThan(2500 * 380);
    expect((await db.pool.query(q, ["weekday", "1 day"])).rows[0].ranges).toBeLessThanOrEqual(523);
    expect((await db.pool.query(q, ["always-open", "1 minute"])).rows[0]).toEqual({ ranges: 1, points: 5_260_320 });
    expect((await db.pool.query(q, ["everyday", "1 hour"])).rows[0].ranges).toBe(1);
  });

  it("is empty for an empty range and respects the calendar's years", async () => {
    const count = async (range: string) =>
      (await db.pool.query("select ds_private.slot_count(ds_private.calendar_slots('everyday', '1 day', $1), '1 day')::int as n", [range])).rows[0].n;
    expect(await count("empty")).toBe(0);
    expect(await count("[2024-01-01, 2024-01-01)")).toBe(0);
    expect(await count("[1960-01-01, 1970-01-03)")).toBe(2);
    expect(await count("[2100-12-30, 2200-01-01)")).toBe(2);
  });
});

describe("slot_count", () => {
  it("counts the points of a multirange", async () => {
    const n = async (sql: string) => (await db.pool.query(`select ${sql}::int as n`)).rows[0].n;
    expect(await n("ds_private.slot_count('{}', '1 minute')")).toBe(0);
    expect(await n("ds_private.slot_count('{[2024-01-01 00:00Z, 2024-01-01 01:00Z), [2024-01-02 00:00Z, 2024-01-02 00:10Z)}', '5 minutes')")).toBe(14);
    // Thanksgiving week 2024: three full sessions, Thanksgiving, an early close
    expect(await n("ds_private.slot_count(ds_private.calendar_slots('nyse', '1 minute', '[2024-11-25, 2024-11-30)'), '1 minute')")).toBe(3 * 390 + 210);
  });
});

describe("nth_point_before and nth_point_after", () => {
  const before = async (calendar: string, step: string, ts: string, n: number) =>
    (await db.pool.query<{ p: Date | null }>("select ds_private.nth_point_before($1, $2, $3, $4) as p", [calendar, step, ts, n])).rows[0]!.p;
  const after = async (calendar: string, step: string, ts: string, n: number) =>
    (await db.pool.query<{ p: Date | null }>("select ds_private.nth_point_after($1, $2, $3, $4) as p", [calendar, step, ts, n])).rows[0]!.p;

  it.each([
    ["nyse-daily", "1 day", "2024-07-08", 1, "2024-07-05"],
    ["nyse-daily", "1 day", "2024-07-08", 2, "2024-07-03"],
    ["nyse-daily", "1 day", "2025-01-01", 252, "2024-01-02"],
    ["nyse", "1 minute", "2024-11-29T14:30:00Z", 1, "2024-11-27T20:59:00Z"],
    ["nyse", "1 minute", "2024-11-29T14:30:00Z", 391, "2024-11-26T20:59:00Z"],
    ["nyse", "1 minute", "2024-11-29T14:30:30Z", 1, "2024-11-29T14:30:00Z"],
    ["weekday", "1 day", "2024-01-15", 1, "2024-01-12"],
    ["always-open", "1 minute", "2024-01-01T00:00:30Z", 1, "2024-01-01T00:00:00Z"],
  ])("before: %s %s before %s, n = %i: %s", async (calendar, step, ts, n, expected) => {
    expect(iso((await before(calendar, step, ts, n))!)).toBe(iso(expected));
  });

  it.each([
    ["nyse", "1 minute", "2024-11-27T20:59:00Z", 1, "2024-11-29T14:30:00Z"],
    ["nyse", "1 minute", "2024-11-27T20:59:00Z", 211, "2024-12-02T14:30:00Z"],
    ["nyse", "1 minute", "2024-11-29T17:59:00Z", 1, "2024-12-02T14:30:00Z"],
    ["nyse-daily", "1 day", "2024-12-24T00:00:00Z", 1, "2024-12-26"],
    ["weekday", "1 day", "2024-01-12", 1, "2024-01-15"],
  ])("after: %s %s after %s, n = %i: %s", async (calendar, step, ts, n, expected) => {
    expect(iso((await after(calendar, step, ts, n))!)).toBe(iso(expected));
  });

  it("is null when fewer than n points exist back to 1970 or up to 2100", async () => {
    expect(await before("nyse-daily", "1 day", "1970-01-06", 3)).toBeNull();
    expect(iso((await before("nyse-daily", "1 day", "1970-01-06", 2))!)).toBe(iso("1970-01-02"));
    expect(await after("nyse-daily", "1 day", "2100-12-30", 2)).toBeNull();
  });

  it("agrees with calendar_points across weekends and holidays", async () => {
    const { rows } = await db.pool.query<{ p: Date }>("select p from ds.calendar_points('nyse', '5m', '2024-12-10', '2025-01-31') as p");
    const all = rows.map((r) => r.p.toISOString());
    const at = all.indexOf(iso("2024-12-31T16:00:00Z"));
    for (const n of [1, 7, 78, 100, 500]) {
      expect(iso((await before("nyse", "5 minutes", all[at]!, n))!)).toBe(all[at - n]);
      expect(iso((await after("nyse", "5 minutes", all[at]!, n))!)).toBe(all[at + n]);
    }
  });
});
