/**
 * Trading calendars against the real database: NYSE facts, sessions and DST, is_open,
 * next_open, calendar_points and their errors. Slots and nth points are in
 * calendar-slots.test.ts, registration and files in calendar-files.test.ts.
 */
import { describe, expect, it } from "vitest";
import { expectSqlState, useTestDatabase } from "./support/test-database.ts";

const db = useTestDatabase("calendars");

const iso = (t: string | Date) => new Date(t).toISOString();

async function points(calendar: string, granularity: string, start: string, end: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ p: Date }>("select p from ds.calendar_points($1, $2, $3, $4) as p", [calendar, granularity, start, end]);
  return rows.map((r) => r.p.toISOString());
}

async function value<T>(sql: string, params: unknown[] = []): Promise<T> {
  const { rows } = await db.pool.query(sql, params);
  return Object.values(rows[0] as object)[0] as T;
}

const isOpen = (calendar: string, ts: string) => value<boolean>("select ds.is_open($1, $2)", [calendar, ts]);
const nextOpen = (calendar: string, ts: string) => value<Date | null>("select ds.next_open($1, $2)", [calendar, ts]);

describe("nyse-daily", () => {
  it.each([
    [2021, 252],
    [2022, 251],
    [2023, 250],
    [2024, 252],
    [2025, 250],
    [2026, 251],
  ])("has the NYSE's session count in %i (%i)", async (year, sessions) => {
    expect(await points("nyse-daily", "1d", `${year}-01-01`, `${year}-12-31`)).toHaveLength(sessions);
    expect(await points("nyse", "1d", `${year}-01-01`, `${year}-12-31`)).toHaveLength(sessions);
  });

  it.each([
    ["2021-12-31", true, "New Year 2022 is a Saturday: not observed on Friday"],
    ["2021-12-24", false, "Christmas 2021 is a Saturday: observed on Friday"],
    ["2022-12-26", false, "Christmas 2022 is a Sunday: observed on Monday"],
    ["2026-07-03", false, "Independence Day 2026 is a Saturday"],
    ["2022-06-20", false, "Juneteenth 2022 is a Sunday"],
    ["2021-06-18", true, "no Juneteenth before 2022"],
    ["2024-03-29", false, "Good Friday"],
    ["2024-01-15", false, "Martin Luther King Jr. Day"],
    ["1997-01-20", true, "no MLK day before 1998"],
    ["1998-01-19", false, "MLK day from 1998"],
    ["1970-02-23", false, "Washington's Birthday 1970 (Feb 22, a Sunday)"],
    ["1971-02-15", false, "Presidents' Day, third Monday of February from 1971"],
    ["1970-05-29", false, "Memorial Day 1970 (May 30, a Saturday)"],
    ["2024-05-27", false, "Memorial Day, last Monday of May"],
    ["2024-09-02", false, "Labor Day"],
    ["2024-11-28", false, "Thanksgiving"],
    ["1972-11-07", false, "Election Day 1972"],
    ["1976-11-02", false, "Election Day 1976"],
    ["1980-11-04", false, "Election Day 1980"],
    ["1984-11-06", true, "no Election Day closure after 1980"],
    ["2001-09-11", false, "September 11"],
    ["2001-09-14", false, "September 11 (last closed day)"],
    ["2001-09-17", true, "reopening after September 11"],
    ["2012-10-29", false, "Hurricane Sandy"],
    ["2012-10-30", false, "Hurricane Sandy"],
    ["2018-12-05", false, "funeral of President George H. W. Bush"],
    ["2025-01-09", false, "funeral of President Carter"],
    ["2024-11-29", true, "early close (13:00) is a trading day"],
    ["2024-11-30", false, "Saturday"],
    ["2100-12-24", false, "Christmas 2100 is a Saturday: rules hold to 2100"],
  ])("%s open = %s (%s)", async (day, open) => {
    expect(await isOpen("nyse-daily", `${day}T12:00:00Z`)).toBe(open);
  });
});

describe("nyse intraday sessions", () => {
  it("has 390 one-minute points on a regular day and 210 on an early close", async () => {
    expect(await points("nyse", "1m", "2024-11-27", "2024-11-27T23:59:59Z")).toHaveLength(390);
    const early = await points("nyse", "1m", "2024-11-29", "2024-11-29T23:59:59Z");
    expect(early).toHaveLength(210);
    expect(early.at(-1)).toBe(iso("2024-11-29T17:59:00Z"));
  });

  it.each([
    ["2024-01-10", "2024-01-10T14:30:00Z", "2024-01-10T20:59:00Z"],
    ["2024-07-10", "2024-07-10T13:30:00Z", "2024-07-10T19:59:00Z"],
    ["2024-03-08", "2024-03-08T14:30:00Z", "2024-03-08T20:59:00Z"],
    ["2024-03-11", "2024-03-11T13:30:00Z", "2024-03-11T19:59:00Z"],
    ["2024-11-01", "2024-11-01T13:30:00Z", "2024-11-01T19:59:00Z"],
    ["2024-11-04", "2024-11-04T14:30:00Z", "2024-11-04T20:59:00Z"],
  ])("opens at 09:30 New York time whatever DST (%s)", async (day, first, last) => {
    const p = await points("nyse", "1m", day, `${day}T23:59:59Z`);
    expect([p[0], p.at(-1), p.length]).toEqual([iso(first), iso(last), 390]);
  });

  it("has hourly points only inside sessions", async () => {
    expect(await points("nyse", "1h", "2024-01-10", "2024-01-11")).toEqual(
      [15, 16, 17, 18, 19, 20].map((h) => iso(`2024-01-10T${h}:00:00Z`)),
    );
    expect(await points("nyse", "1h", "2024-07-10", "2024-07-11")).toEqual(
      [14, 15, 16, 17, 18, 19].map((h) => iso(`2024-07-10T${h}:00:00Z`)),
    );
  });

  it("aligns grid points to the epoch, not to the requested start", async () => {
    const p = await points("always-open", "5m", "2024-01-01T00:02:17Z", "2024-01-01T00:30:00Z");
    expect(p).toEqual(["05", "10", "15", "20", "25", "30"].map((m) => iso(`2024-01-01T00:${m}:00Z`)));
    const seven = await points("nyse", "7m", "2024-01-10T14:31:00Z", "2024-01-10T23:00:00Z");
    expect(seven.every((t) => (Date.parse(t) / 1000) % 420 === 0)).toBe(true);
    expect(seven[0]).toBe(iso("2024-01-10T14:33:00Z")); // 14:33 UTC is a multiple of 7 minutes
  });

  it("includes both ends of the requested range", async () => {
    expect(await points("nyse", "1m", "2024-01-10T14:30:00Z", "2024-01-10T14:32:00Z")).toHaveLength(3);
    expect(await points("weekday", "1d", "2024-01-05", "2024-01-08")).toEqual([iso("2024-01-05"), iso("2024-01-08")]);
  });
});

describe("is_open and next_open", () => {
  it.each([
    ["nyse", "2024-01-10T14:29:59Z", false],
    ["nyse", "2024-01-10T14:30:00Z", true],
    ["nyse", "2024-01-10T20:59:59Z", true],
    ["nyse", "2024-01-10T21:00:00Z", false],
    ["nyse", "2024-11-29T17:59:59Z", true],
    ["nyse", "2024-11-29T18:00:00Z", false],
    ["nyse-daily", "2024-01-10T23:59:59Z", true],
    ["weekday", "2024-01-13T12:00:00Z", false],
    ["everyday", "2024-01-13T12:00:00Z", true],
    ["always-open", "2024-01-13T12:34:56.789Z", true],
  ])("%s at %s: %s", async (calendar, ts, open) => {
    expect(await isOpen(calendar, ts)).toBe(open);
  });

  it.each([
    ["nyse", "2024-11-29T18:00:00Z", "2024-12-02T14:30:00Z", "after an early close, across a weekend"],
    ["nyse", "2024-11-27T21:00:00Z", "2024-11-29T14:30:00Z", "across Thanksgiving"],
    ["nyse", "2024-01-10T14:30:00Z", "2024-01-10T14:30:00Z", "at the open itself"],
    ["nyse", "2024-01-10T15:00:00.5Z", "2024-01-10T15:00:00.5Z", "inside a session: ts"],
    ["nyse", "2024-03-08T21:00:00Z", "2024-03-11T13:30:00Z", "across the switch to daylight saving time"],
    ["nyse-daily", "2024-12-25T10:00:00Z", "2024-12-26T00:00:00Z", "midnight UTC of the next session date"],
    ["nyse-daily", "2024-12-24T10:00:00Z", "2024-12-24T10:00:00Z", "on a session date: ts"],
    ["weekday", "2024-01-13T12:00:00Z", "2024-01-15T00:00:00Z", "Saturday to Monday"],
    ["always-open", "2024-01-13T12:00:00Z", "2024-01-13T12:00:00Z", "always"],
  ])("%s from %s: %s (%s)", async (calendar, ts, expected) => {
    expect(iso((await nextOpen(calendar, ts))!)).toBe(iso(expected));
  });

  it("returns null past the calendar's last year", async () => {
    expect(await nextOpen("nyse", "2101-01-01T00:00:00Z")).toBeNull();
  });
});

describe("errors", () => {
  it("rejects an unknown calendar (DS004), naming it and the known ones", async () => {
    for (const sql of [
      "select ds.is_open('nope', now())",
      "select ds.next_open('nope', now())",
      "select * from ds.calendar_points('nope', '1d', '2024-01-01', '2024-01-02')",
      "select ds_private.calendar_slots('nope', '1 day', tstzrange('2024-01-01', '2024-01-02'))",
      "select ds_private.nth_point_before('nope', '1 day', now(), 1)",
      "select ds_private.nth_point_after('nope', '1 day', now(), 1)",
    ]) {
      const err = (await expectSqlState(db.pool.query(sql), "DS004")) as { detail?: string; hint?: string };
      expect(err.detail).toContain("nope");
      expect(err.hint).toContain("nyse-daily");
    }
  });

  it("rejects a malformed granularity (DS007)", async () => {
    await expectSqlState(db.pool.query("select * from ds.calendar_points('nyse', '5x', '2024-01-01', '2024-01-02')"), "DS007");
    await expectSqlState(db.pool.query("select ds_private.calendar_slots('nyse', '0 s', tstzrange('2024-01-01', '2024-01-02'))"), "DS007");
    await expectSqlState(db.pool.query("select ds_private.calendar_slots('nyse', '1 mon', tstzrange('2024-01-01', '2024-01-02'))"), "DS007");
  });

  it("rejects a start after the end and unbounded ranges (DS012)", async () => {
    await expectSqlState(db.pool.query("select * from ds.calendar_points('nyse', '1m', '2024-01-02', '2024-01-01')"), "DS012");
    await expectSqlState(db.pool.query("select ds_private.calendar_slots('nyse', '1 minute', tstzrange('2024-01-01', null))"), "DS012");
    await expectSqlState(db.pool.query("select ds_private.nth_point_before('nyse', '1 minute', now(), 0)"), "DS012");
  });
});
