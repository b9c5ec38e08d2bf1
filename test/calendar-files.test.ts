/**
 * Calendar files and registration: syncCalendars (smol-toml + zod, errors naming the file
 * and the field) and ds.register_calendar (rule expansion in SQL, idempotence, DS047).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { syncCalendars } from "../datasets/sync-calendars.ts";
import { expectSqlState, useTestDatabase } from "./support/test-database.ts";

const db = useTestDatabase("calendar_files");

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function calendarDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "ds-calendars-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** Run fn in a transaction that is rolled back. */
async function rolledBack(fn: (q: (sql: string, params?: unknown[]) => Promise<any[]>) => Promise<void>) {
  const client = await db.pool.connect();
  try {
    await client.query("begin");
    await fn(async (sql, params) => (await client.query(sql, params)).rows);
  } finally {
    await client.query("rollback");
    client.release();
  }
}

describe("syncCalendars", () => {
  it("registers the project's calendars and is idempotent", async () => {
    const names = ["always-open", "everyday", "nyse", "nyse-daily", "weekday"];
    expect((await syncCalendars(db.pool)).sort()).toEqual(names);
    const before = await db.pool.query("select name, registered_at, xmin::text from ds_private.calendars order by name");
    await syncCalendars(db.pool);
    expect((await db.pool.query("select name, registered_at, xmin::text from ds_private.calendars order by name")).rows).toEqual(before.rows);
  });

  it("registers a calendar with a shared holiday file, rules expanded in SQL", async () => {
    const dir = calendarDir({
      "test-exchange.toml": `description = "A test exchange"\nkind = "intraday"\nweekdays = ["mon", "tue", "wed", "thu", "fri"]
holidays = "holidays/test.toml"\nfirst-year = 2020\nlast-year = 2030
[session]\ntime-zone = "Europe/London"\nopen = "08:00"\nclose = "16:30"\nearly-close = "12:30"
[[closed]]\nname = "Ad hoc"\ndates = [2024-01-03]`,
      "holidays/test.toml": `[[closed]]\nname = "Boxing Day"\nmonth = 12\nday = 26\nobservance = "nearest-weekday"
[[closed]]\nname = "Easter Monday"\neaster-offset = 1
[[early-close]]\nname = "Christmas Eve"\nmonth = 12\nday = 24\nonly-on = ["mon", "tue", "wed", "thu", "fri"]`,
    });
    expect(await syncCalendars(db.pool, dir)).toEqual(["test-exchange"]);
    const open = async (ts: string) => (await db.pool.query("select ds.is_open('test-exchange', $1) as o", [ts])).rows[0].o;
    expect(await open("2024-01-03T10:00:00Z")).toBe(false); // ad hoc
    expect(await open("2024-04-01T10:00:00Z")).toBe(false); // Easter Monday 2024
    expect(await open("2024-12-26T10:00:00Z")).toBe(false); // Boxing Day
    expect(await open("2024-12-24T12:29:00Z")).toBe(true); // early close at 12:30 London (GMT)
    expect(await open("2024-12-24T12:30:00Z")).toBe(false);
    expect(await open("2024-07-01T07:00:00Z")).toBe(true); // 08:00 BST
    expect(await open("2019-07-01T10:00:00Z")).toBe(false); // before first-year
  });

  it("names the file and the field of an invalid calendar file (DS047)", async () => {
    const bad = async (files: Record<string, string>, ...parts: string[]) => {
      const err = await syncCalendars(db.pool, calendarDir(files)).then(() => undefined, (e: { code?: string; message: string }) => e);
      expect(err?.code).toBe("DS047");
      for (const part of parts) expect(err?.message).toContain(part);
    };
    await bad({ "bad.toml": `description = "x"\nkind = "intraday"\n[session]\ntime-zone = "UTC"\nopen = "9:30"\nclose = "16:00"` }, "bad.toml", "session.open");
    await bad({ "bad.toml": `description = "x"\nkind = "daily"\nweekdays = ["mon", "funday"]` }, "bad.toml", "weekdays[1]");
    await bad({ "bad.toml": `description = "x"\nkind = "daily"\n[[closed]]\nname = "x"\nmonth = 1` }, "closed[0].day");
    await bad({ "bad.toml": `description = "x"\nkind = "daily"\ncolour = "blue"` }, "colour");
    await bad({ "bad.toml": `description = "x"\nkind = "daily"\nholidays = "h.toml"`, "h.toml": `[[closed]]\nname = "x"\neaster-offset = "two"` }, "h.toml", "closed[0].easter-offset");
    await bad({ "Bad Name.toml": `description = "x"\nkind = "daily"` }, "Bad Name.toml");
    await bad({ "bad.toml": `description = "x"\nkind = ` }, "bad.toml");
  });
});

describe("ds.register_calendar", () => {
  it("writes nothing for an unchanged definition", async () => {
    await rolledBack(async (q) => {
      await q("select ds.register_calendar(name, definition) from ds_private.calendars");
      // rows written by this transaction carry its xid as xmin
      const [writes] = await q(`with x as (select (pg_current_xact_id()::text::bigint % 4294967296)::text as xid)
        select (select count(*) from ds_private.calendars, x where xmin::text = x.xid)
             + (select count(*) from ds_private.calendar_sessions, x where xmin::text = x.xid)
             + (select count(*) from ds_private.calendar_runs, x where xmin::text = x.xid) as n`);
      expect(Number(writes.n)).toBe(0);
    });
  });

  it("re-expands the sessions of a changed definition", async () => {
    await rolledBack(async (q) => {
      await q(`select ds.register_calendar('weekday', definition || '{"closed": [{"name": "Test", "dates": ["2024-05-15"]}]}')
               from ds_private.calendars where name = 'weekday'`);
      const [r] = await q("select ds.is_open('weekday', '2024-05-15 12:00Z') as closed_day, ds.is_open('weekday', '2024-05-14 12:00Z') as open_day");
      expect(r).toEqual({ closed_day: false, open_day: true });
      const [s] = await q("select count(*)::int as n from ds.calendar_points('weekday', '1d', '2024-05-13', '2024-05-17')");
      expect(s.n).toBe(4);
      const [w] = await q(`select count(*)::int as n from ds_private.calendar_sessions
                           where xmin::text = (pg_current_xact_id()::text::bigint % 4294967296)::text`);
      expect(w.n).toBeGreaterThan(0);
    });
  });

  it.each([
    ['{"kind": "weekly"}', "kind"],
    ['{"kind": "intraday"}', "session"],
    ['{"kind": "intraday", "session": {"time-zone": "Mars/Olympus", "open": "09:00", "close": "17:00"}}', "time-zone"],
    ['{"kind": "daily", "weekdays": ["mon", "xyz"]}', "weekdays"],
    ['{"kind": "daily", "closed": [{"name": "x", "month": 1, "day": 1, "easter-offset": 1}]}', "closed"],
    ['{"kind": "daily", "closed": [{"name": "x", "dates": ["2024-13-45"]}]}', "closed"],
    ['{"kind": "daily", "first-year": 2050, "last-year": 2040}', "first-year"],
  ])("rejects %s (DS047)", async (definition, field) => {
    await expectSqlState(db.pool.query("select ds.register_calendar('bad', $1)", [definition]), "DS047", field);
  });
});
