/**
 * Dependency windows without look-ahead (issue 12): what a point T reads from a dependency,
 * checked against timestamps worked out by hand from the original builder server's rule
 * (Wat-Street/datastream: lookback "Nu" reads [T - (N - 1)u, T]; no lookback reads T
 * itself), and the explicit window = "bucket" ([T, T + step)). Builds, planning,
 * invalidation after a delete and a SQL builder's $3 follow the same rule.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { calls, resetCalls } from "./fixtures/builders/calls.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("windows");

async function build(name: string, start: string, end: string) {
  const { id } = await db.one<{ id: number }>("select ds.build($1, '0.1.0', $2, $3) as id", [name, start, end]);
  const { state } = await db.one<{ state: string }>("select ds.wait($1, '120 seconds') as state", [id]);
  expect(state).toBe("succeeded");
}

/** What the builder of `name` got from `dep` at the point `ts` (ISO). */
function readAt(name: string, dep: string, ts: string): string[] {
  const call = calls(name).find((c) => c.ts === ts);
  expect(call, `${name} was called at ${ts}`).toBeDefined();
  return call!.deps[dep]!;
}

async function missing(name: string, start: string, end: string): Promise<string[][]> {
  const rows = await db.q<{ lo: Date; hi: Date }>("select lower(r) lo, upper(r) hi from ds.missing($1, '0.1.0', $2, $3) r", [name, start, end]);
  return rows.map((m) => [m.lo.toISOString(), m.hi.toISOString()]);
}

const T = "2024-01-02T00:00:00.000Z";

beforeEach(() => resetCalls());

describe("daily on hourly (T = 2024-01-02 00:00)", () => {
  it("plans only the hours the window reads: lookback 24h builds 2024-01-01 01:00 .. 2024-01-02 00:00 of the dependency", async () => {
    await build("v-day-24h", "2024-01-02", "2024-01-02");
    expect(calls("v-hourly")).toHaveLength(24);
    // nothing after T was built for it (the old window built up to 2024-01-02 23:00)
    expect(await missing("v-hourly", "2024-01-01", "2024-01-02T23:00Z")).toEqual([
      ["2024-01-01T00:00:00.000Z", "2024-01-01T01:00:00.000Z"],
      ["2024-01-02T01:00:00.000Z", "2024-01-03T00:00:00.000Z"],
    ]);
  });

  it('a dry run plans the same dependency points: lookback "24h" at 2024-01-20 plans the hours 2024-01-19 01:00 .. 2024-01-20 00:00', async () => {
    const client = await db.pool.connect();
    try {
      await client.query("begin");
      const { rows: [plan] } = await client.query("select ds_worker.plan_dry_run('v-day-24h', '0.1.0', '2024-01-20', '2024-01-20') as id");
      const { rows } = await client.query(
        `select v.name, lower(t.points) as lo, upper(t.points) as hi, (select count(*) from unnest(t.points))::int as ranges
         from ds_private.build_tasks bt join ds_private.tasks t on t.id = bt.task_id join ds_private.dataset_versions v on v.id = t.dataset_version_id
         where bt.build_id = $1 order by v.name`, [plan.id]);
      expect(rows).toEqual([
        { name: "v-day-24h", lo: new Date("2024-01-20T00:00Z"), hi: new Date("2024-01-21T00:00Z"), ranges: 1 },
        { name: "v-hourly", lo: new Date("2024-01-19T01:00Z"), hi: new Date("2024-01-20T01:00Z"), ranges: 1 },
      ]);
    } finally {
      await client.query("rollback");
      client.release();
    }
  });

  it('lookback "24h" gives the builder exactly the last 24 hours up to and including T', async () => {
    await db.q("select * from ds.delete('v-day-24h', '0.1.0', '2024-01-02', '2024-01-02')");
    await build("v-day-24h", "2024-01-02", "2024-01-02");
    expect(readAt("v-day-24h", "v-hourly", T)).toEqual([
      "2024-01-01T01:00:00.000Z", "2024-01-01T02:00:00.000Z", "2024-01-01T03:00:00.000Z", "2024-01-01T04:00:00.000Z",
      "2024-01-01T05:00:00.000Z", "2024-01-01T06:00:00.000Z", "2024-01-01T07:00:00.000Z", "2024-01-01T08:00:00.000Z",
      "2024-01-01T09:00:00.000Z", "2024-01-01T10:00:00.000Z", "2024-01-01T11:00:00.000Z", "2024-01-01T12:00:00.000Z",
      "2024-01-01T13:00:00.000Z", "2024-01-01T14:00:00.000Z", "2024-01-01T15:00:00.000Z", "2024-01-01T16:00:00.000Z",
      "2024-01-01T17:00:00.000Z", "2024-01-01T18:00:00.000Z", "2024-01-01T19:00:00.000Z", "2024-01-01T20:00:00.000Z",
      "2024-01-01T21:00:00.000Z", "2024-01-01T22:00:00.000Z", "2024-01-01T23:00:00.000Z", "2024-01-02T00:00:00.000Z",
    ]);
    expect(await db.one("select n from ds_data.v_day_24h_v0_1_0 where ts = $1", [T])).toEqual({ n: 24 });
  });

  it('lookback "2d" reads [T - 1d, T]: the 25 hourly points 2024-01-01 00:00 .. 2024-01-02 00:00 (the original: "2d" subtracts 1 day)', async () => {
    await build("v-day-2d", "2024-01-02", "2024-01-02");
    expect(readAt("v-day-2d", "v-hourly", T)).toEqual([
      "2024-01-01T00:00:00.000Z", "2024-01-01T01:00:00.000Z", "2024-01-01T02:00:00.000Z", "2024-01-01T03:00:00.000Z",
      "2024-01-01T04:00:00.000Z", "2024-01-01T05:00:00.000Z", "2024-01-01T06:00:00.000Z", "2024-01-01T07:00:00.000Z",
      "2024-01-01T08:00:00.000Z", "2024-01-01T09:00:00.000Z", "2024-01-01T10:00:00.000Z", "2024-01-01T11:00:00.000Z",
      "2024-01-01T12:00:00.000Z", "2024-01-01T13:00:00.000Z", "2024-01-01T14:00:00.000Z", "2024-01-01T15:00:00.000Z",
      "2024-01-01T16:00:00.000Z", "2024-01-01T17:00:00.000Z", "2024-01-01T18:00:00.000Z", "2024-01-01T19:00:00.000Z",
      "2024-01-01T20:00:00.000Z", "2024-01-01T21:00:00.000Z", "2024-01-01T22:00:00.000Z", "2024-01-01T23:00:00.000Z",
      "2024-01-02T00:00:00.000Z",
    ]);
  });

  it("a counted lookback of 3 reads the 3 hourly points ending at T", async () => {
    await build("v-day-count", "2024-01-02", "2024-01-02");
    expect(readAt("v-day-count", "v-hourly", T)).toEqual(["2024-01-01T22:00:00.000Z", "2024-01-01T23:00:00.000Z", "2024-01-02T00:00:00.000Z"]);
  });

  it("no lookback reads the hour T itself", async () => {
    await build("v-day-point", "2024-01-02", "2024-01-03");
    expect(readAt("v-day-point", "v-hourly", T)).toEqual(["2024-01-02T00:00:00.000Z"]);
    expect(readAt("v-day-point", "v-hourly", "2024-01-03T00:00:00.000Z")).toEqual(["2024-01-03T00:00:00.000Z"]);
  });

  it('lookback "24h" at the dependency\'s start date is clamped to it: one point', async () => {
    await build("v-day-24h", "2024-01-01", "2024-01-01");
    expect(readAt("v-day-24h", "v-hourly", "2024-01-01T00:00:00.000Z")).toEqual(["2024-01-01T00:00:00.000Z"]);
  });

  it('window = "bucket" reads the hours of the day, [T, T + 1d): 2024-01-02 00:00 .. 23:00', async () => {
    await build("v-day-bucket", "2024-01-02", "2024-01-02");
    expect(readAt("v-day-bucket", "v-hourly", T)).toEqual([
      "2024-01-02T00:00:00.000Z", "2024-01-02T01:00:00.000Z", "2024-01-02T02:00:00.000Z", "2024-01-02T03:00:00.000Z",
      "2024-01-02T04:00:00.000Z", "2024-01-02T05:00:00.000Z", "2024-01-02T06:00:00.000Z", "2024-01-02T07:00:00.000Z",
      "2024-01-02T08:00:00.000Z", "2024-01-02T09:00:00.000Z", "2024-01-02T10:00:00.000Z", "2024-01-02T11:00:00.000Z",
      "2024-01-02T12:00:00.000Z", "2024-01-02T13:00:00.000Z", "2024-01-02T14:00:00.000Z", "2024-01-02T15:00:00.000Z",
      "2024-01-02T16:00:00.000Z", "2024-01-02T17:00:00.000Z", "2024-01-02T18:00:00.000Z", "2024-01-02T19:00:00.000Z",
      "2024-01-02T20:00:00.000Z", "2024-01-02T21:00:00.000Z", "2024-01-02T22:00:00.000Z", "2024-01-02T23:00:00.000Z",
    ]);
  });

  it('window = "bucket" with lookback "24h" reads [T - 23h, T + 1d): 47 points, 2024-01-01 01:00 .. 2024-01-02 23:00', async () => {
    await build("v-day-bucket-24h", "2024-01-02", "2024-01-02");
    const read = readAt("v-day-bucket-24h", "v-hourly", T);
    expect(read).toHaveLength(47);
    expect([read[0], read[22], read[23], read[46]]).toEqual([
      "2024-01-01T01:00:00.000Z", "2024-01-01T23:00:00.000Z", "2024-01-02T00:00:00.000Z", "2024-01-02T23:00:00.000Z"]);
  });

  it("a SQL builder gets $3 = the first hour any point of its chunk reads (2024-01-01 01:00 for T = 2024-01-02)", async () => {
    await build("v-day-sql", "2024-01-02", "2024-01-02");
    const row = await db.one<Record<string, unknown>>("select * from ds_data.v_day_sql_v0_1_0 where ts = $1", [T]);
    // (a keyless dataset: its one row per point is row_number 1)
    expect(row).toEqual({ ts: new Date(T), lookback_start: new Date("2024-01-01T01:00:00Z"), n: 24,
      first_hour: new Date("2024-01-01T01:00:00Z"), last_hour: new Date(T), row_number: 1 });
  });

  it("a delete of hour 2024-01-02 05:00 invalidates exactly the daily points whose windows read it", async () => {
    await build("v-day-24h", "2024-01-01", "2024-01-04");
    await build("v-day-point", "2024-01-01", "2024-01-04");
    await build("v-day-bucket", "2024-01-01", "2024-01-04");
    await build("v-day-bucket-24h", "2024-01-01", "2024-01-04");
    await db.q("select * from ds.delete('v-hourly', '0.1.0', '2024-01-02T05:00Z', '2024-01-02T05:00Z')");
    // 24h: T in [05:00, 05:00 + 23h] -> 2024-01-03 only
    expect(await missing("v-day-24h", "2024-01-01", "2024-01-04")).toEqual([["2024-01-03T00:00:00.000Z", "2024-01-04T00:00:00.000Z"]]);
    // no lookback: T = 05:00 is no daily point -> nothing
    expect(await missing("v-day-point", "2024-01-01", "2024-01-04")).toEqual([]);
    // bucket: the day holding it
    expect(await missing("v-day-bucket", "2024-01-01", "2024-01-04")).toEqual([["2024-01-02T00:00:00.000Z", "2024-01-03T00:00:00.000Z"]]);
    // bucket with 24h: [T - 23h, T + 1d) holds it for T = 2024-01-02 and 2024-01-03
    expect(await missing("v-day-bucket-24h", "2024-01-01", "2024-01-04")).toEqual([["2024-01-02T00:00:00.000Z", "2024-01-04T00:00:00.000Z"]]);
  });
});

describe("hourly NYSE on one-minute NYSE, across a session open and the early close of 2024-11-29", () => {
  // 2024-11-27: 14:30-21:00 UTC; 2024-11-28: Thanksgiving, closed; 2024-11-29: 14:30-18:00 UTC
  // (13:00 New York). Hourly NYSE points that day: 15:00, 16:00, 17:00 UTC.
  it('lookback "60m" at 15:00 reads from the open: 14:30 .. 15:00 (31 points)', async () => {
    await build("v-hour-60m", "2024-11-29", "2024-11-29T23:59Z");
    const at15 = readAt("v-hour-60m", "v-minute", "2024-11-29T15:00:00.000Z");
    expect(at15).toHaveLength(31);
    expect([at15[0], at15[30]]).toEqual(["2024-11-29T14:30:00.000Z", "2024-11-29T15:00:00.000Z"]);
    const at17 = readAt("v-hour-60m", "v-minute", "2024-11-29T17:00:00.000Z");
    expect(at17).toHaveLength(60);
    expect([at17[0], at17[59]]).toEqual(["2024-11-29T16:01:00.000Z", "2024-11-29T17:00:00.000Z"]);
    expect(calls("v-hour-60m").map((c) => c.ts).sort()).toEqual(["2024-11-29T15:00:00.000Z", "2024-11-29T16:00:00.000Z", "2024-11-29T17:00:00.000Z"]);
  });

  it("a counted lookback of 60 at 15:00 reaches back into 2024-11-27's session: 20:31 .. 20:59, then 14:30 .. 15:00", async () => {
    await build("v-hour-count", "2024-11-29", "2024-11-29T23:59Z");
    const at15 = readAt("v-hour-count", "v-minute", "2024-11-29T15:00:00.000Z");
    expect(at15).toHaveLength(60);
    expect([at15[0], at15[28], at15[29], at15[59]]).toEqual([
      "2024-11-27T20:31:00.000Z", "2024-11-27T20:59:00.000Z", "2024-11-29T14:30:00.000Z", "2024-11-29T15:00:00.000Z"]);
  });

  it("no lookback reads the minute T itself", async () => {
    await build("v-hour-point", "2024-11-29", "2024-11-29T23:59Z");
    expect(readAt("v-hour-point", "v-minute", "2024-11-29T15:00:00.000Z")).toEqual(["2024-11-29T15:00:00.000Z"]);
    expect(readAt("v-hour-point", "v-minute", "2024-11-29T17:00:00.000Z")).toEqual(["2024-11-29T17:00:00.000Z"]);
  });

  it('window = "bucket" at 17:00 reads the hour up to the early close: 17:00 .. 17:59 (60 points, none after 18:00)', async () => {
    await build("v-hour-bucket", "2024-11-29", "2024-11-29T23:59Z");
    const at17 = readAt("v-hour-bucket", "v-minute", "2024-11-29T17:00:00.000Z");
    expect(at17).toHaveLength(60);
    expect([at17[0], at17[59]]).toEqual(["2024-11-29T17:00:00.000Z", "2024-11-29T17:59:00.000Z"]);
  });
});

describe("weekday and everyday calendars", () => {
  it('a weekday dataset with lookback "3d" on an everyday one reads Saturday, Sunday and Monday on Monday 2024-01-08', async () => {
    await build("v-weekday-3d", "2024-01-08", "2024-01-09");
    expect(readAt("v-weekday-3d", "t-root", "2024-01-08T00:00:00.000Z")).toEqual([
      "2024-01-06T00:00:00.000Z", "2024-01-07T00:00:00.000Z", "2024-01-08T00:00:00.000Z"]);
    expect(readAt("v-weekday-3d", "t-root", "2024-01-09T00:00:00.000Z")).toEqual([
      "2024-01-07T00:00:00.000Z", "2024-01-08T00:00:00.000Z", "2024-01-09T00:00:00.000Z"]);
  });

  it("a weekday dataset without lookback on an everyday one reads its own day", async () => {
    await build("v-weekday-point", "2024-01-08", "2024-01-08");
    expect(readAt("v-weekday-point", "t-root", "2024-01-08T00:00:00.000Z")).toEqual(["2024-01-08T00:00:00.000Z"]);
  });

  it("an everyday dataset without lookback on a weekday one reads nothing on Saturday and Friday on Friday", async () => {
    await build("v-everyday-point", "2024-01-05", "2024-01-06");
    expect(readAt("v-everyday-point", "v-weekday-root", "2024-01-05T00:00:00.000Z")).toEqual(["2024-01-05T00:00:00.000Z"]);
    expect(readAt("v-everyday-point", "v-weekday-root", "2024-01-06T00:00:00.000Z")).toEqual([]);
  });
});
