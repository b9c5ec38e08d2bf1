/**
 * Query-time functions ds.bars, ds.asof and ds.gaps on the q-* fixtures: 1-minute OHLCV
 * bars and ticks of several tickers on the nyse calendar across session boundaries, the
 * 2024-11-29 early close and both 2024 DST changes. Expected values are recomputed here,
 * in JavaScript, from the fixtures' closed-form builders and a hand-written list of the
 * sessions — independently of the SQL.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncDatasets } from "../datasets/sync.ts";
import { createPool } from "../db/pool.ts";
import { projectRoot } from "../db/project-root.ts";
import { startWorker, type RunningWorker } from "../worker/run-worker.ts";
import { rowsAt } from "./fixtures/builders/q-ohlcv/0.1.0/builder.ts";
import { ticksAt } from "./fixtures/builders/q-ticks/0.1.0/builder.ts";
import { dailyAt } from "./fixtures/builders/q-daily/0.1.0/builder.ts";
import { hourAt } from "./fixtures/builders/q-always/0.1.0/builder.ts";
import { expectSqlState, useTestDatabase } from "./support/test-database.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("query-functions");

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const t = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

/** nyse sessions (UTC) of the weeks the tests read: EST 14:30-21:00, EDT 13:30-20:00. */
const session = (day: string, open: string, close: string) => ({ day, open: t(`${day}T${open}:00Z`), close: t(`${day}T${close}:00Z`) });
const NYSE = [
  session("2024-03-07", "14:30", "21:00"), session("2024-03-08", "14:30", "21:00"), // EST
  session("2024-03-11", "13:30", "20:00"), session("2024-03-12", "13:30", "20:00"), // EDT from 2024-03-10
  session("2024-10-31", "13:30", "20:00"), session("2024-11-01", "13:30", "20:00"), // EDT
  session("2024-11-04", "14:30", "21:00"), session("2024-11-05", "14:30", "21:00"), // EST from 2024-11-03
  session("2024-11-25", "14:30", "21:00"), session("2024-11-26", "14:30", "21:00"), session("2024-11-27", "14:30", "21:00"),
  session("2024-11-29", "14:30", "18:00"), // 11-28 Thanksgiving; 11-29 closes at 13:00 New York
  session("2024-12-02", "14:30", "21:00"),
];
type Session = (typeof NYSE)[number];

/** What the tests build: [from, to] inclusive, as ds.build takes them. */
const OHLCV_BUILDS: Array<[string, string]> = [["2024-03-07", "2024-03-12"], ["2024-10-31", "2024-11-05"], ["2024-11-25", "2024-12-03"]];
const TICK_BUILDS: Array<[string, string]> = [["2024-11-29", "2024-11-29T23:59:59Z"], ["2024-12-02T14:30:00Z", "2024-12-02T14:44:59Z"]];

/** The calendar points of step in sessions, built by one of builds, inside [start, end]. */
function points(sessions: Session[], step: number, builds: Array<[string, string]>, start: number, end: number): number[] {
  const out: number[] = [];
  const built = builds.map(([a, b]) => [t(a), t(b)] as const);
  for (const s of sessions) {
    for (let p = Math.max(s.open, Math.ceil(start / step) * step); p < s.close && p <= end; p += step) {
      if (built.some(([a, b]) => p >= a && p <= b)) out.push(p);
    }
  }
  return out;
}

interface Source {
  ts: number;
  group: Record<string, unknown>;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number | null;
}
interface Bar {
  ts: string;
  key: Record<string, unknown>;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number | null;
  trades: number;
}

function ohlcvRows(start: number, end: number): Source[] {
  return points(NYSE, MINUTE, OHLCV_BUILDS, start, end).flatMap((ts) =>
    rowsAt(new Date(ts)).map((r) => ({ ts, group: { ticker: r.ticker }, open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume })));
}

function tickRows(start: number, end: number, group: (tick: { ticker: string; seq: number }) => Record<string, unknown>): Source[] {
  // ticks of one second come in primary-key order: ticker, then seq
  return points(NYSE, SECOND, TICK_BUILDS, start, end).flatMap((ts) =>
    ticksAt(new Date(ts)).map((k) => ({ ts, group: group(k), open: k.price, high: k.price, low: k.price, close: k.price, volume: k.size })));
}

/** Buckets of a resampling: the label of a row's bucket and the first and last calendar point of a bucket. */
interface Buckets {
  label(ts: number): number | undefined;
  span(label: number): [number, number];
}

function timeBuckets(width: number, step: number): Buckets {
  return {
    label: (ts) => Math.floor(ts / width) * width,
    span(label) {
      const inside = NYSE.filter((s) => s.open < label + width && s.close > label);
      return [Math.max(label, inside[0]!.open), Math.min(label + width, inside.at(-1)!.close) - step];
    },
  };
}

/** Bins of `days` session dates aligned to Monday 2000-01-03, labelled by their first session's open. */
function sessionBuckets(days: number, step: number, sessions: Session[] = NYSE): Buckets {
  const bin = (s: Session) => Math.floor((t(s.day) - t("2000-01-03")) / DAY / days);
  const of = (ts: number) => sessions.find((s) => ts >= s.open && ts < s.close);
  return {
    label: (ts) => {
      const s = of(ts);
      return s && sessions.find((x) => bin(x) === bin(s))!.open;
    },
    span(label) {
      const inBin = sessions.filter((x) => bin(x) === bin(of(label)!));
      return [inBin[0]!.open, inBin.at(-1)!.close - step];
    },
  };
}

/** Bars computed in JavaScript: complete buckets only, open/close first/last, volume summed. */
function refBars(rows: Source[], buckets: Buckets, start: number, end: number): Bar[] {
  const bars = new Map<string, Bar>();
  for (const r of rows) {
    const label = buckets.label(r.ts);
    if (label === undefined) continue;
    const [first, last] = buckets.span(label);
    if (first < start || last > end) continue;
    const id = `${label}|${JSON.stringify(r.group)}`;
    const bar = bars.get(id);
    if (!bar) {
      bars.set(id, { ts: iso(label), key: r.group, open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume, trades: 1 });
    } else {
      bar.high = Math.max(bar.high, r.high);
      bar.low = Math.min(bar.low, r.low);
      bar.close = r.close;
      bar.volume = r.volume === null ? bar.volume : (bar.volume ?? 0) + r.volume;
      bar.trades += 1;
    }
  }
  return [...bars.values()].sort((a, b) => a.ts.localeCompare(b.ts) || JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)));
}

async function bars(dataset: string, granularity: string, start: string, end: string, by?: string[]): Promise<Bar[]> {
  const rows = await db.q<Omit<Bar, "ts"> & { ts: Date }>(
    `select * from ds.bars($1, '0.1.0', $2, $3, $4${by ? ", by => $5" : ""})`, [dataset, granularity, start, end, ...(by ? [by] : [])]);
  return rows.map((r) => ({ ...r, ts: r.ts.toISOString() }));
}

async function buildAndWait(name: string, start: string, end: string) {
  const { id } = await db.one<{ id: number }>("select ds.build($1, '0.1.0', $2, $3) as id", [name, start, end]);
  expect((await db.one<{ state: string }>("select ds.wait($1, '120 seconds') as state", [id])).state).toBe("succeeded");
}

beforeAll(async () => {
  for (const [a, b] of OHLCV_BUILDS) await buildAndWait("q-ohlcv", a, b);
  for (const [a, b] of TICK_BUILDS) await buildAndWait("q-ticks", a, b);
  await buildAndWait("q-daily", "2024-11-01", "2024-11-30");
  await buildAndWait("q-always", "2024-03-08", "2024-03-12T23:00:00Z");
}, 240_000);

describe("ds.bars from 1-minute OHLCV bars", () => {
  it("makes 5-minute bars across the session boundary and the spring DST change", async () => {
    const [start, end] = ["2024-03-08T20:00:00Z", "2024-03-11T15:00:00Z"];
    const got = await bars("q-ohlcv", "5m", start, end);
    expect(got).toEqual(refBars(ohlcvRows(t(start), t(end)), timeBuckets(5 * MINUTE, MINUTE), t(start), t(end)));
    // Friday 20:00-20:55Z (EST) and Monday 13:30-14:55Z (EDT); the 15:00Z bucket is incomplete
    expect(new Set(got.map((b) => b.ts)).size).toBe(12 + 18);
    expect(got[0]).toMatchObject({ ts: "2024-03-08T20:00:00.000Z", key: { ticker: "AAA" }, trades: 5 });
    expect(got.at(-1)).toMatchObject({ ts: "2024-03-11T14:55:00.000Z", key: { ticker: "CCC" } });
  });

  it("makes hourly bars across the autumn DST change: the first bar of a session holds 30 minutes", async () => {
    const [start, end] = ["2024-11-01", "2024-11-05"];
    const got = await bars("q-ohlcv", "1h", start, end);
    expect(got).toEqual(refBars(ohlcvRows(t(start), t(end)), timeBuckets(HOUR, MINUTE), t(start), t(end)));
    const aaa = got.filter((b) => b.key.ticker === "AAA").map((b) => [b.ts.slice(5, 16), b.trades]);
    expect(aaa).toEqual([
      // 11-01 (EDT) 13:30-20:00Z; 14:37Z has no rows (m % 2003 == 0)
      ["11-01T13:00", 30], ["11-01T14:00", 59], ["11-01T15:00", 60], ["11-01T16:00", 60], ["11-01T17:00", 60], ["11-01T18:00", 60], ["11-01T19:00", 60],
      // 11-04 (EST) 14:30-21:00Z
      ["11-04T14:00", 30], ["11-04T15:00", 60], ["11-04T16:00", 60], ["11-04T17:00", 60], ["11-04T18:00", 60], ["11-04T19:00", 60], ["11-04T20:00", 60],
    ]);
  });

  it("makes daily bars per session, labelled by the open, 13:00 New York on the early close", async () => {
    const [start, end] = ["2024-11-25", "2024-12-03"];
    const got = await bars("q-ohlcv", "1d", start, end);
    expect(got).toEqual(refBars(ohlcvRows(t(start), t(end)), sessionBuckets(1, MINUTE), t(start), t(end)));
    // minutes without rows: 11-26 15:31Z (m % 2003 == 0), 11-27 20:58-20:59Z and 11-29 14:30-14:31Z (built-empty run)
    expect(got.filter((b) => b.key.ticker === "AAA").map((b) => [b.ts, b.trades])).toEqual([
      ["2024-11-25T14:30:00.000Z", 390], ["2024-11-26T14:30:00.000Z", 389], ["2024-11-27T14:30:00.000Z", 388],
      ["2024-11-29T14:30:00.000Z", 208], ["2024-12-02T14:30:00.000Z", 390],
    ]);
    expect(got.filter((b) => b.key.ticker === "CCC").map((b) => b.trades)).toEqual([334, 333, 333, 178, 334]);
    const early = got.find((b) => b.ts === "2024-11-29T14:30:00.000Z" && b.key.ticker === "AAA")!;
    expect(early.open).toBe(rowsAt(new Date("2024-11-29T14:32:00Z"))[0]!.open); // the first row after the empty run
    expect(early.close).toBe(rowsAt(new Date("2024-11-29T17:59:00Z"))[0]!.close); // 12:59 New York
  });

  it("labels a daily bar by the session open in either DST regime", async () => {
    const got = await bars("q-ohlcv", "1d", "2024-03-07", "2024-03-12");
    expect(got).toEqual(refBars(ohlcvRows(t("2024-03-07"), t("2024-03-12")), sessionBuckets(1, MINUTE), t("2024-03-07"), t("2024-03-12")));
    expect([...new Set(got.map((b) => b.ts))]).toEqual(["2024-03-07T14:30:00.000Z", "2024-03-08T14:30:00.000Z", "2024-03-11T13:30:00.000Z"]);
  });

  it("returns only bars whose calendar points all lie in [start, end]", async () => {
    const days = async (start: string, end: string) => [...new Set((await bars("q-ohlcv", "1d", start, end)).map((b) => b.ts.slice(0, 10)))];
    expect(await days("2024-03-08T14:30:00Z", "2024-03-11T19:59:00Z")).toEqual(["2024-03-08", "2024-03-11"]); // first and last point
    expect(await days("2024-03-08T14:31:00Z", "2024-03-11T19:58:00Z")).toEqual([]);
    expect(await days("2024-03-07T21:00:00Z", "2024-03-11T19:59:59Z")).toEqual(["2024-03-08", "2024-03-11"]); // closed time at the edges
    const hours = async (start: string) => [...new Set((await bars("q-ohlcv", "1h", start, "2024-03-08T16:59:00Z")).map((b) => b.ts.slice(11, 16)))];
    expect(await hours("2024-03-08T14:30:00Z")).toEqual(["14:00", "15:00", "16:00"]); // 14:00-14:29Z is closed: 14:00 is complete
    expect(await hours("2024-03-08T14:31:00Z")).toEqual(["15:00", "16:00"]);
  });

  it("makes weekly bars (7d) of Monday-to-Sunday bins labelled by their first session", async () => {
    const got = await bars("q-ohlcv", "7d", "2024-11-25", "2024-12-01");
    expect(got).toEqual(refBars(ohlcvRows(t("2024-11-25"), t("2024-12-01")), sessionBuckets(7, MINUTE), t("2024-11-25"), t("2024-12-01")));
    expect(got.map((b) => [b.ts, b.key.ticker])).toEqual([["2024-11-25T14:30:00.000Z", "AAA"], ["2024-11-25T14:30:00.000Z", "BBB"], ["2024-11-25T14:30:00.000Z", "CCC"]]);
    expect(await bars("q-ohlcv", "7d", "2024-11-26", "2024-12-01")).toEqual([]); // Monday's session is outside
  });

  it("groups by other fields with by, or by nothing", async () => {
    const [start, end] = ["2024-11-04T15:00:00Z", "2024-11-04T15:59:00Z"];
    const all = await bars("q-ohlcv", "1h", start, end, []);
    const rows = ohlcvRows(t(start), t(end)).map((r) => ({ ...r, group: {} }));
    expect(all).toEqual(refBars(rows, timeBuckets(HOUR, MINUTE), t(start), t(end)));
    expect(all.map((b) => [b.ts, b.key, b.trades])).toEqual([["2024-11-04T15:00:00.000Z", {}, rows.length]]);
  });
});

describe("ds.bars from ticks", () => {
  const byTicker = (k: { ticker: string }) => ({ ticker: k.ticker });

  it("makes 1-minute and 5-minute bars of several ticks per second, per ticker (seq only orders them)", async () => {
    for (const [granularity, width] of [["1m", MINUTE], ["5m", 5 * MINUTE]] as const) {
      const [start, end] = ["2024-11-29T17:40:00Z", "2024-12-02T14:44:59Z"];
      const got = await bars("q-ticks", granularity, start, end);
      expect(got).toEqual(refBars(tickRows(t(start), t(end), byTicker), timeBuckets(width, SECOND), t(start), t(end)));
      expect(got.map((b) => b.key.ticker)).toContain("DDD");
    }
  });

  it("makes hourly and daily bars of the early-close session", async () => {
    const [start, end] = ["2024-11-29", "2024-11-29T23:59:59Z"];
    const hourly = await bars("q-ticks", "1h", start, end);
    expect(hourly).toEqual(refBars(tickRows(t(start), t(end), byTicker), timeBuckets(HOUR, SECOND), t(start), t(end)));
    expect([...new Set(hourly.map((b) => b.ts.slice(11, 16)))]).toEqual(["14:00", "15:00", "16:00", "17:00"]);
    const daily = await bars("q-ticks", "1d", start, end);
    expect(daily).toEqual(refBars(tickRows(t(start), t(end), byTicker), sessionBuckets(1, SECOND), t(start), t(end)));
    // AAA trades (s % 4 == 1, 2, 3 → 3, 2, 1 ticks): 6 per 4 seconds over 12,600 seconds
    expect(daily.map((b) => [b.ts, b.key.ticker, b.trades])).toEqual([
      ["2024-11-29T14:30:00.000Z", "AAA", 18900], ["2024-11-29T14:30:00.000Z", "BBB", 18900], ["2024-11-29T14:30:00.000Z", "DDD", 18900]]);
    // the session 12-02 is built up to 14:44:59Z only: its daily bar is not complete in this range
    expect(await bars("q-ticks", "1d", "2024-12-02", "2024-12-02T14:44:59Z")).toEqual([]);
  });

  it("groups ticks by ticker and seq with by", async () => {
    const [start, end] = ["2024-11-29T17:55:00Z", "2024-11-29T17:59:59Z"];
    const got = await bars("q-ticks", "5m", start, end, ["ticker", "seq"]);
    expect(got).toEqual(refBars(tickRows(t(start), t(end), (k) => ({ ticker: k.ticker, seq: k.seq })), timeBuckets(5 * MINUTE, SECOND), t(start), t(end)));
    expect(got).toHaveLength(9);
  });
});

describe("ds.bars on daily and always-open calendars", () => {
  it("makes weekly bars of a weekday dataset, labelled Monday midnight UTC", async () => {
    const got = await bars("q-daily", "7d", "2024-11-01", "2024-11-30");
    // the weekday calendar's sessions of the weeks 10-28 to 12-01 (whole UTC days), rows built 11-01 to 11-30
    const weekdays = Array.from({ length: 35 }, (_, i) => t("2024-10-28") + i * DAY).filter((d) => ![0, 6].includes(new Date(d).getUTCDay()));
    const sessions = weekdays.map((d) => ({ day: iso(d).slice(0, 10), open: d, close: d + DAY }));
    const rows = weekdays.filter((d) => d >= t("2024-11-01") && d <= t("2024-11-30"))
      .flatMap((d) => dailyAt(new Date(d)).map((r) => ({ ts: d, group: { ticker: r.ticker }, ...r })));
    expect(got).toEqual(refBars(rows, sessionBuckets(7, DAY, sessions), t("2024-11-01"), t("2024-11-30")));
    expect(got.filter((b) => b.key.ticker === "AAA").map((b) => [b.ts.slice(0, 10), b.trades])).toEqual([
      ["2024-11-04", 5], ["2024-11-11", 5], ["2024-11-18", 5], ["2024-11-25", 5]]);
  });

  it("makes UTC-day bars of an always-open dataset without a key; a null volume is skipped", async () => {
    const got = await bars("q-always", "1d", "2024-03-08", "2024-03-12T23:00:00Z");
    const hours = Array.from({ length: 5 * 24 }, (_, i) => t("2024-03-08") + i * HOUR);
    const rows = hours.map((h) => ({ ts: h, group: {}, ...hourAt(new Date(h))[0]!, open: 0, high: 0, low: 0, close: 0 }))
      .map((r) => ({ ...r, open: r.price, high: r.price, low: r.price, close: r.price }));
    const days = Array.from({ length: 5 }, (_, i) => ({ day: iso(t("2024-03-08") + i * DAY).slice(0, 10), open: t("2024-03-08") + i * DAY, close: t("2024-03-09") + i * DAY }));
    expect(got).toEqual(refBars(rows, sessionBuckets(1, HOUR, days), t("2024-03-08"), t("2024-03-12T23:00:00Z")));
    expect(got.map((b) => [b.ts.slice(0, 10), b.key, b.trades])).toEqual(days.map((d) => [d.day, {}, 24]));
  });
});

describe("ds.asof (available => 'label': the label-time join)", () => {
  interface Joined {
    ts: string;
    left_data: Record<string, unknown>;
    right_ts: string | null;
    right_data: Record<string, unknown> | null;
  }
  async function asof(start: string, end: string, by: string[]): Promise<Joined[]> {
    const rows = await db.q<{ ts: Date; left_data: Record<string, unknown>; right_ts: Date | null; right_data: Record<string, unknown> | null }>(
      "select * from ds.asof('q-ticks', '0.1.0', 'q-ohlcv', '0.1.0', $1, $2, $3, available => 'label')", [start, end, by]);
    return rows.map((r) => ({ ...r, ts: r.ts.toISOString(), right_ts: r.right_ts?.toISOString() ?? null }));
  }
  const barPoints = points(NYSE, MINUTE, OHLCV_BUILDS, 0, Infinity);
  /** The latest q-ohlcv row at or before ts (matching the ticker when given), searching back minute by minute. */
  function latestBar(ts: number, ticker?: string): Record<string, unknown> | null {
    for (let i = barPoints.findLastIndex((p) => p <= ts); i >= 0; i--) {
      const rows = rowsAt(new Date(barPoints[i]!)).filter((r) => ticker === undefined || r.ticker === ticker);
      if (rows.length) return { ts: iso(barPoints[i]!), ...rows.at(-1)! };
    }
    return null;
  }
  function expected(start: string, end: string, byTicker: boolean): Joined[] {
    return points(NYSE, SECOND, TICK_BUILDS, t(start), t(end)).flatMap((ts) =>
      ticksAt(new Date(ts)).map((k) => {
        const found = latestBar(ts, byTicker ? k.ticker : undefined);
        if (!found) return { ts: iso(ts), left_data: { ...k }, right_ts: null, right_data: null };
        const { ts: rts, ...right } = found;
        return { ts: iso(ts), left_data: { ...k }, right_ts: rts as string, right_data: right };
      }));
  }

  it("joins each tick to the latest bar of its ticker, looking back across a holiday and built-empty minutes", async () => {
    const [start, end] = ["2024-11-29T14:30:00Z", "2024-11-29T14:33:00Z"];
    const got = await asof(start, end, ["ticker"]);
    expect(got).toEqual(expected(start, end, true));
    // 14:30 and 14:31Z are built-empty, 11-28 is Thanksgiving: the latest AAA bar is 11-27 20:57Z
    expect(got.find((r) => r.left_data.ticker === "AAA")).toMatchObject({ ts: "2024-11-29T14:30:01.000Z", right_ts: "2024-11-27T20:57:00.000Z" });
    expect(got.find((r) => r.ts >= "2024-11-29T14:32:00.000Z" && r.left_data.ticker === "AAA")).toMatchObject({ ts: "2024-11-29T14:32:01.000Z", right_ts: "2024-11-29T14:32:00.000Z" });
    // DDD has no bars at all
    expect(got.filter((r) => r.left_data.ticker === "DDD").every((r) => r.right_ts === null && r.right_data === null)).toBe(true);
  });

  it("without by takes the latest bar of any ticker (the last in key order at that minute)", async () => {
    const [start, end] = ["2024-12-02T14:30:00Z", "2024-12-02T14:32:30Z"];
    const got = await asof(start, end, []);
    expect(got).toEqual(expected(start, end, false));
    expect(got).toHaveLength(expected(start, end, false).length);
    expect(got.every((r) => r.right_data !== null)).toBe(true);
  });

  it("takes the last right row in key order at the latest timestamp: bars onto ticks, looking back to the previous session", async () => {
    const [start, end] = ["2024-12-02T14:30:00Z", "2024-12-02T14:44:00Z"];
    const rows = await db.q<{ ts: Date; left_data: { ticker: string }; right_ts: Date | null; right_data: Record<string, unknown> | null }>(
      "select * from ds.asof('q-ohlcv', '0.1.0', 'q-ticks', '0.1.0', $1, $2, '{ticker}', available => 'label')", [start, end]);
    const tickSeconds = points(NYSE, SECOND, TICK_BUILDS, 0, Infinity);
    const latestTick = (ts: number, ticker: string) => {
      for (let i = tickSeconds.findLastIndex((p) => p <= ts); i >= 0; i--) {
        const ticks = ticksAt(new Date(tickSeconds[i]!)).filter((k) => k.ticker === ticker);
        if (ticks.length) return { ts: iso(tickSeconds[i]!), data: ticks.at(-1)! };
      }
      return null;
    };
    const want = points(NYSE, MINUTE, OHLCV_BUILDS, t(start), t(end)).flatMap((ts) => rowsAt(new Date(ts)).map((bar) => {
      const tick = latestTick(ts, bar.ticker);
      return { ts: iso(ts), left_data: { ...bar }, right_ts: tick?.ts ?? null, right_data: tick?.data ?? null };
    }));
    expect(rows.map((r) => ({ ...r, ts: r.ts.toISOString(), right_ts: r.right_ts?.toISOString() ?? null }))).toEqual(want);
    // AAA trades at s % 4 != 0: none at 14:30:00Z on 12-02, so its first bar takes 11-29's last tick (the close at 13:00 New York)
    expect(rows[0]).toMatchObject({ left_data: { ticker: "AAA" }, right_ts: new Date("2024-11-29T17:59:59Z"), right_data: { seq: 0 } });
  });

  it("joins a dataset onto itself: each tick meets the last tick (highest seq) of its ticker and second", async () => {
    const rows = await db.q<{ ts: Date; left_data: { ticker: string }; right_ts: Date; right_data: { ticker: string; seq: number } }>(
      "select * from ds.asof('q-ticks', '0.1.0', 'q-ticks', '0.1.0', '2024-11-29T16:00:00Z', '2024-11-29T16:00:09Z', '{ticker}', available => 'label')");
    const last = (ts: Date, ticker: string) => ticksAt(ts).filter((k) => k.ticker === ticker).at(-1);
    expect(rows.length).toBe(points(NYSE, SECOND, TICK_BUILDS, t("2024-11-29T16:00:00Z"), t("2024-11-29T16:00:09Z"))
      .reduce((n, p) => n + ticksAt(new Date(p)).length, 0));
    for (const r of rows) {
      expect(r.right_ts).toEqual(r.ts);
      expect(r.right_data).toEqual(last(r.ts, r.left_data.ticker));
    }
    expect(rows.some((r) => r.right_data.seq === 2)).toBe(true);
  });

  it("rejects by fields that are missing or of different types, and a null by (DS025)", async () => {
    await expectSqlState(db.q("select * from ds.asof('q-ticks', '0.1.0', 'q-ohlcv', '0.1.0', '2024-11-29', '2024-11-30', '{seq}')"), "DS025", /seq/);
    await expectSqlState(db.q("select * from ds.asof('q-ohlcv', '0.1.0', 'q-daily', '0.1.0', '2024-11-29', '2024-11-30', '{volume}')"), "DS025", /different types/);
    await expectSqlState(db.q("select * from ds.asof('q-ohlcv', '0.1.0', 'q-daily', '0.1.0', '2024-11-29', '2024-11-30', null)"), "DS025");
  });
});

describe("ds.asof: a right row is known at the end of its bucket (the default)", () => {
  const join = (left: string, right: string, start: string, end: string, by: string[], available?: string) =>
    db.q<{ ts: Date; right_ts: Date | null; left_data: Record<string, unknown> }>(
      `select * from ds.asof($1, '0.1.0', $2, '0.1.0', $3, $4, $5${available ? ", available => $6" : ""})`,
      [left, right, start, end, by, ...(available ? [available] : [])]);
  const day = (d: Date | null) => d?.toISOString().slice(0, 10) ?? null;

  beforeAll(async () => {
    await buildAndWait("q-ohlcv-daily", "2024-11-25", "2024-12-03");
    await buildAndWait("q-always", "2024-11-26", "2024-11-30");
  });

  it("never joins an intraday bar to its own day's daily bar: 2024-11-29 (early close) sees 11-27's, 12-02 sees 11-29's", async () => {
    const rows = await join("q-ohlcv", "q-ohlcv-daily", "2024-11-29T14:30:00Z", "2024-12-02T14:35:00Z", ["ticker"]);
    expect(rows.length).toBeGreaterThan(100);
    for (const r of rows) {
      // Thanksgiving (11-28) is closed; the 11-29 bar is known at its 13:00 New York close, after every 11-29 row
      expect(day(r.right_ts), `${r.ts.toISOString()} ${String(r.left_data.ticker)}`).toBe(day(r.ts) === "2024-11-29" ? "2024-11-27" : "2024-11-29");
    }
  });

  it("with available => 'label' it joins the same day's daily bar (the look-ahead, on request)", async () => {
    const rows = await join("q-ohlcv", "q-ohlcv-daily", "2024-11-29T14:30:00Z", "2024-11-29T17:59:00Z", ["ticker"], "label");
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.every((r) => day(r.right_ts) === "2024-11-29")).toBe(true);
  });

  it("a daily NYSE bar is known at the close: 18:00Z on the early close, 21:00Z on a full day", async () => {
    const rows = await join("q-always", "q-ohlcv-daily", "2024-11-27T19:00:00Z", "2024-11-29T19:00:00Z", []);
    const at = (iso: string) => day(rows.find((r) => r.ts.toISOString() === iso)!.right_ts);
    expect([at("2024-11-27T20:00:00.000Z"), at("2024-11-27T21:00:00.000Z")]).toEqual(["2024-11-26", "2024-11-27"]);
    expect([at("2024-11-29T17:00:00.000Z"), at("2024-11-29T18:00:00.000Z")]).toEqual(["2024-11-27", "2024-11-29"]);
  });

  it("a one-minute bar is known at its end: a 1-minute dataset onto itself meets the previous minute", async () => {
    const rows = await join("q-ohlcv", "q-ohlcv", "2024-12-02T14:40:00Z", "2024-12-02T14:44:00Z", ["ticker"]);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.ts.getTime() - r.right_ts!.getTime()).toBeGreaterThanOrEqual(60_000);
    expect(rows.some((r) => r.ts.getTime() - r.right_ts!.getTime() === 60_000)).toBe(true);
  });

  it("rejects an unknown available (DS025)", async () => {
    await expectSqlState(join("q-ohlcv", "q-ohlcv-daily", "2024-11-29", "2024-11-30", ["ticker"], "close"), "DS025", /available must be 'end' or 'label'/);
  });
});

describe("ds.gaps", () => {
  interface Gap {
    kind: string;
    from_ts: Date;
    to_ts: Date;
    points: number;
  }
  const show = (rows: Gap[]) => rows.map((g) => [g.kind, iso(g.from_ts.getTime()), iso(g.to_ts.getTime()), g.points]);
  /** Runs of built minutes of q-ohlcv without rows in [start, end]: the builder's empty minutes. */
  function emptyRuns(start: number, end: number) {
    const runs: Array<[string, string, string, number]> = [];
    let last: number | undefined;
    for (const p of points(NYSE, MINUTE, OHLCV_BUILDS, start, end)) {
      const empty = rowsAt(new Date(p)).length === 0;
      if (!empty) {
        last = undefined;
        continue;
      }
      const run = runs.at(-1);
      if (run && last !== undefined) {
        run[2] = iso(p);
        run[3] += 1;
      } else runs.push(["empty", iso(p), iso(p), 1]);
      last = p;
    }
    return runs;
  }

  it("reports missing runs across closed time and built-empty points", async () => {
    const got = show(await db.q<Gap>("select * from ds.gaps('q-ohlcv', '0.1.0', '2024-03-01', '2024-03-15T23:59:00Z')"));
    expect(got).toEqual([
      ["missing", "2024-03-01T14:30:00.000Z", "2024-03-06T20:59:00.000Z", 4 * 390], // 03-01, 03-04, 03-05, 03-06
      ...emptyRuns(t("2024-03-01"), t("2024-03-15T23:59:00Z")),
      ["missing", "2024-03-12T13:30:00.000Z", "2024-03-15T19:59:00.000Z", 4 * 390], // 03-12 to 03-15, EDT
    ].sort((a, b) => String(a[1]).localeCompare(String(b[1]))));
  });

  it("reports a built-empty run across the Thanksgiving holiday as one run", async () => {
    const got = show(await db.q<Gap>("select * from ds.gaps('q-ohlcv', '0.1.0', '2024-11-25', '2024-12-02T23:59:00Z')"));
    expect(got).toContainEqual(["empty", "2024-11-27T20:58:00.000Z", "2024-11-29T14:31:00.000Z", 4]);
    expect(got).toEqual(emptyRuns(t("2024-11-25"), t("2024-12-02T23:59:00Z")));
  });

  it("reports rows off the calendar as unexpected, and a row in an empty point splits the empty run", async () => {
    const client = await db.pool.connect();
    try {
      await client.query("begin");
      await client.query(`insert into ds_store.q_ohlcv_v0_1_0 (ts, ticker, open, high, low, close, volume) values
        ('2024-11-30T15:00:00Z', 'AAA', 1, 1, 1, 1, 1),   -- Saturday
        ('2024-11-30T16:00:00Z', 'BBB', 1, 1, 1, 1, 1),   -- Saturday: same run
        ('2024-11-26T15:00:30Z', 'AAA', 1, 1, 1, 1, 1),   -- off the 1-minute grid
        ('2024-11-29T14:30:00Z', 'AAA', 1, 1, 1, 1, 1)`); // a built-empty point
      const { rows } = await client.query<Gap>("select * from ds.gaps('q-ohlcv', '0.1.0', '2024-11-25', '2024-12-02T23:59:00Z')");
      const got = show(rows);
      expect(got.filter((g) => g[0] === "unexpected")).toEqual([
        ["unexpected", "2024-11-26T15:00:30.000Z", "2024-11-26T15:00:30.000Z", 1],
        ["unexpected", "2024-11-30T15:00:00.000Z", "2024-11-30T16:00:00.000Z", 2],
      ]);
      expect(got.filter((g) => g[0] === "empty" && String(g[1]) >= "2024-11-27T20")).toEqual([
        ["empty", "2024-11-27T20:58:00.000Z", "2024-11-27T20:59:00.000Z", 2],
        ["empty", "2024-11-29T14:31:00.000Z", "2024-11-29T14:31:00.000Z", 1],
        ...emptyRuns(t("2024-11-29T14:32:00Z"), t("2024-12-02T23:59:00Z")),
      ]);
    } finally {
      await client.query("rollback");
      client.release();
    }
  });
});

describe("bad input", () => {
  it("rejects an unknown dataset (DS001) and a bad range (DS012)", async () => {
    await expectSqlState(db.q("select * from ds.bars('nope', '0.1.0', '5m', '2024-01-01', '2024-01-02')"), "DS001");
    await expectSqlState(db.q("select * from ds.asof('q-ticks', '0.1.0', 'nope', '0.1.0', '2024-01-01', '2024-01-02')"), "DS001");
    await expectSqlState(db.q("select * from ds.gaps('q-ohlcv', '9.9.9', '2024-01-01', '2024-01-02')"), "DS001");
    await expectSqlState(db.q("select * from ds.bars('q-ohlcv', '0.1.0', '5m', '2024-01-02', '2024-01-01')"), "DS012");
    await expectSqlState(db.q("select * from ds.asof('q-ticks', '0.1.0', 'q-ohlcv', '0.1.0', '2024-01-02', null)"), "DS012");
    await expectSqlState(db.q("select * from ds.gaps('q-ohlcv', '0.1.0', '2024-01-02', '2024-01-01')"), "DS012");
  });

  it("rejects a bad bar granularity (DS007)", async () => {
    for (const g of ["5x", "30s", "90s", "25h", null]) {
      await expectSqlState(db.q("select * from ds.bars('q-ohlcv', '0.1.0', $1, '2024-11-25', '2024-11-26')", [g]), "DS007");
    }
    await expectSqlState(db.q("select * from ds.bars('q-daily', '0.1.0', '1h', '2024-11-25', '2024-11-26')"), "DS007", /finer/);
  });

  it("rejects a dataset that is neither OHLCV nor ticks, a non-numeric price, and unknown by fields (DS025)", async () => {
    const err = await expectSqlState(db.q("select * from ds.bars('t-left', '0.1.0', '1d', '2024-01-01', '2024-01-31')"), "DS025");
    expect(err).toMatchObject({ detail: expect.stringMatching(/value/), hint: expect.stringMatching(/price/) });
    await expectSqlState(db.q("select * from ds.bars('q-ohlcv', '0.1.0', '5m', '2024-11-25', '2024-11-26', by => '{exchange}')"), "DS025", /exchange/);
    await expectSqlState(db.q("select * from ds.bars('q-ohlcv', '0.1.0', '5m', '2024-11-25', '2024-11-26', by => array[null]::text[])"), "DS025");
  });
});

/** The sql blocks of docs/query-functions.md: statements ending in ";", with "-- N rows" or "-- count N" after them. */
function docExamples(): Array<{ sql: string; rows?: number; count?: number }> {
  const doc = readFileSync(join(projectRoot(), "docs", "query-functions.md"), "utf8");
  const out: Array<{ sql: string; rows?: number; count?: number }> = [];
  for (const [, block] of doc.matchAll(/```sql\n([\s\S]*?)```/g)) {
    if (/^ds\.\w+\(/.test(block!)) continue; // a signature
    let sql = "";
    for (const line of block!.split("\n")) {
      if (/^\s*--/.test(line)) continue;
      const at = line.indexOf("--");
      const [code, comment] = at < 0 ? [line, ""] : [line.slice(0, at), line.slice(at)];
      sql += `${code}\n`;
      if (!code.trimEnd().endsWith(";")) continue;
      const rows = /^-- (\d+) rows?/.exec(comment)?.[1];
      const count = /^-- count (\d+)/.exec(comment)?.[1];
      out.push({ sql: sql.trim().replace(/;$/, ""), rows: rows ? Number(rows) : undefined, count: count ? Number(count) : undefined });
      sql = "";
    }
  }
  return out;
}

describe("docs/query-functions.md examples", () => {
  const docs = useTestDatabase("query-functions-docs");
  let worker: RunningWorker;
  beforeAll(async () => {
    await docs.pool.end();
    docs.pool = createPool(docs.url, { max: 8 });
    await syncDatasets(docs.pool, join(projectRoot(), "builders"));
    worker = await startWorker({ pool: docs.pool, connectionString: docs.url, buildersDir: join(projectRoot(), "builders"), log: () => {} });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  it("runs every example with the number of rows it claims", async () => {
    const examples = docExamples();
    expect(examples.length).toBeGreaterThanOrEqual(8);
    for (const { sql, rows, count } of examples) {
      const result = await docs.pool.query(sql).catch((e: Error) => {
        throw new Error(`docs example failed: ${sql}\n${e.message}`);
      });
      if (rows !== undefined) expect(result.rows, sql).toHaveLength(rows);
      if (count !== undefined) expect(Number(result.rows[0].count), sql).toBe(count);
    }
  });

  it("shows the hourly bars of the early close as they are", async () => {
    const rows = await docs.pool.query("select * from ds.bars('mock-minute-bars', '0.1.0', '1h', '2024-11-29', '2024-11-29 23:59Z')");
    expect(rows.rows[0]).toEqual({ ts: new Date("2024-11-29T14:00:00Z"), key: { ticker: "QQQ" }, open: 411.22, high: 434.88, low: 397.7, close: 411.58, volume: 797335, trades: 30 });
  });
});
