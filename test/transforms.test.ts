/**
 * The bucketing transforms, resample and downsample (sql/transform/), on the x-* fixtures:
 * 1-minute closed-form OHLCV bars of three tickers on the nyse calendar (CCC has gaps and
 * empty 5-minute buckets) across session boundaries, the 2024-11-29 early close and both
 * 2024 DST changes. Expected values are recomputed here, in JavaScript, from the fixtures'
 * formulas and a hand-written list of the sessions — independently of the SQL.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { TICKERS, bar, present } from "./fixtures/builders/x-ohlcv/0.1.0/builder.ts";
import { present as gappyPresent } from "./fixtures/builders/x-gappy/0.1.0/builder.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("transforms");

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const t = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

/** The nyse sessions the builds cover (UTC): EST 14:30-21:00, EDT 13:30-20:00. */
const session = (day: string, open: string, close: string) => ({ day, open: t(`${day}T${open}:00Z`), close: t(`${day}T${close}:00Z`) });
const SESSIONS = [
  session("2024-03-08", "14:30", "21:00"), // EST; DST starts on Sunday 2024-03-10
  session("2024-03-11", "13:30", "20:00"), // EDT
  session("2024-11-01", "13:30", "20:00"), // EDT; DST ends on Sunday 2024-11-03
  session("2024-11-04", "14:30", "21:00"), // EST
  session("2024-11-27", "14:30", "21:00"), // 11-28 Thanksgiving
  session("2024-11-29", "14:30", "18:00"), // early close, 13:00 New York
  session("2024-12-02", "14:30", "21:00"),
];
type Session = (typeof SESSIONS)[number];
const BUILDS: Array<[string, string]> = [["2024-03-08", "2024-03-11T23:59:00Z"], ["2024-11-01", "2024-11-04T23:59:00Z"], ["2024-11-27", "2024-12-02T23:59:00Z"]];

async function build(dataset: string) {
  for (const [start, end] of BUILDS) {
    const { id } = await db.one<{ id: number }>("select ds.build($1, '0.1.0', $2, $3) as id", [dataset, start, end]);
    expect(await db.one("select ds.wait($1) as state", [id])).toEqual({ state: "succeeded" });
  }
}

/** The rows of a typed table, ts as ISO strings, ordered by ts and key. */
async function rows(table: string, key = "ticker"): Promise<Record<string, unknown>[]> {
  const out = await db.q(`select * from ds_data.${table} order by ts${key ? `, ${key}` : ""}`);
  return out.map((r) => ({ ...r, ts: (r.ts as Date).toISOString() }));
}

interface Minute { ts: number; ticker: string; open: number; high: number; low: number; close: number; volume: number }

function minutes(s: Session): Minute[] {
  const out: Minute[] = [];
  for (let ts = s.open; ts < s.close; ts += MINUTE) {
    TICKERS.forEach((ticker, k) => {
      if (present(ts / MINUTE, k)) out.push({ ts, ticker, ...bar(ts / MINUTE, k) });
    });
  }
  return out;
}

/**
 * Groups the minutes of every session into buckets: below one day [b, b + step) aligned to
 * the epoch, kept only when the whole bucket is inside the session; a day is the session,
 * labelled midnight UTC of its date.
 */
function buckets(step: number | "session"): Array<{ ts: number; ticker: string; rows: Minute[] }> {
  const groups = new Map<string, { ts: number; ticker: string; rows: Minute[] }>();
  for (const s of SESSIONS) {
    for (const m of minutes(s)) {
      const b = step === "session" ? t(s.day) : Math.floor(m.ts / step) * step;
      if (step !== "session" && (b < s.open || b + step > s.close)) continue;
      const id = `${b} ${m.ticker}`;
      if (!groups.has(id)) groups.set(id, { ts: b, ticker: m.ticker, rows: [] });
      groups.get(id)!.rows.push(m);
    }
  }
  return [...groups.values()].sort((a, b) => a.ts - b.ts || a.ticker.localeCompare(b.ticker));
}

function ohlcv(step: number | "session") {
  return buckets(step).map(({ ts, ticker, rows: r }) => ({
    ts: iso(ts), ticker,
    open: r[0]!.open, high: Math.max(...r.map((x) => x.high)), low: Math.min(...r.map((x) => x.low)), close: r.at(-1)!.close,
    volume: r.reduce((a, x) => a + x.volume, 0), trades: r.length,
  }));
}

function stats(values: number[], times: number[]) {
  const n = values.length;
  const sum = values.reduce((a, v) => a + v, 0);
  const mean = sum / n;
  return {
    count: n, sum, sum_squares: values.reduce((a, v) => a + v * v, 0), min: Math.min(...values), max: Math.max(...values), mean,
    std_dev: Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / n),
    time_first: Math.min(...times), time_last: Math.max(...times), time_mean: times.reduce((a, v) => a + v, 0) / n,
  };
}

function expectStats(actual: Record<string, unknown>[], step: number) {
  const expected = buckets(step).map(({ ts, ticker, rows: r }) => ({ ts: iso(ts), ticker, ...stats(r.map((x) => x.close), r.map((x) => x.ts)) }));
  expect(actual.map((r) => `${(r.ts as Date).toISOString()} ${r.ticker}`)).toEqual(expected.map((e) => `${e.ts} ${e.ticker}`));
  actual.forEach((a, i) => {
    const e = expected[i]!;
    // exact: every close is a multiple of 1/8, so sums, squares and means are exact in float8
    expect([a.close_count, a.close_sum, a.close_sum_squares, a.close_min, a.close_max, a.close_mean]).toEqual([e.count, e.sum, e.sum_squares, e.min, e.max, e.mean]);
    expect(a.close_std_dev as number).toBeCloseTo(e.std_dev, 9);
    expect([(a.time_first as Date).getTime(), (a.time_last as Date).getTime()]).toEqual([e.time_first, e.time_last]);
    expect(Math.abs((a.time_mean as Date).getTime() - e.time_mean)).toBeLessThanOrEqual(1); // microseconds in SQL, ms here
  });
}

describe("resample (OHLCV bars)", () => {
  beforeAll(async () => {
    for (const d of ["x-ohlcv-5m", "x-ohlcv-1h", "x-ohlcv-2h", "x-ohlcv-1d", "x-ohlcv-1h-of-5m", "x-ohlcv-1d-of-1h"]) await build(d);
  });

  it("builds the source first, with CCC's gaps", async () => {
    const n = SESSIONS.reduce((a, s) => a + minutes(s).length, 0);
    expect(await db.one("select count(*)::int as n from ds_data.x_ohlcv_v0_1_0 where (ts at time zone 'UTC')::date in (select unnest($1::date[]))", [SESSIONS.map((s) => s.day)])).toEqual({ n });
  });

  it("resamples 1m to 5m: open first, high max, low min, close last, volume sum, trades count; empty buckets omitted", async () => {
    const actual = await rows("x_ohlcv_5m_v0_1_0");
    expect(actual).toEqual(ohlcv(5 * MINUTE));
    // CCC's empty buckets (floor(m / 5) % 11 == 4) have no row; AAA and BBB always do
    const perSession = 78 * 7;
    expect(actual.filter((r) => r.ticker === "AAA").length).toBe(perSession - 36); // the early close has 42 buckets, not 78
    expect(actual.filter((r) => r.ticker === "CCC").length).toBeLessThan(actual.filter((r) => r.ticker === "AAA").length);
  });

  it("resamples 1m to 1h: the hours whose whole bucket is in the session, 10:00 to 16:00 New York on both sides of DST", async () => {
    const actual = await rows("x_ohlcv_1h_v0_1_0");
    expect(actual).toEqual(ohlcv(HOUR));
    const hours = (day: string) => actual.filter((r) => r.ticker === "AAA" && (r.ts as string).startsWith(day))
      .map((r) => new Date(r.ts as string).toLocaleTimeString("en-US", { timeZone: "America/New_York", hour: "2-digit", minute: "2-digit", hour12: false }));
    expect(hours("2024-03-08")).toEqual(["10:00", "11:00", "12:00", "13:00", "14:00", "15:00"]); // EST: 15Z..20Z
    expect(hours("2024-03-11")).toEqual(["10:00", "11:00", "12:00", "13:00", "14:00", "15:00"]); // EDT: 14Z..19Z
    expect(hours("2024-11-29")).toEqual(["10:00", "11:00", "12:00"]); // early close at 13:00
    // 09:30-10:00 is in no hourly bar: the 10:00 bar opens at 10:00
    const [first] = actual.filter((r) => r.ts === "2024-03-08T15:00:00.000Z" && r.ticker === "AAA");
    expect(first!.open).toBe(bar(t("2024-03-08T15:00:00Z") / MINUTE, 0).open);
  });

  it("keeps only complete buckets: a 2h bucket that runs past the close is a built-empty point", async () => {
    const actual = await rows("x_ohlcv_2h_v0_1_0");
    expect(actual).toEqual(ohlcv(2 * HOUR));
    expect([...new Set(actual.filter((r) => (r.ts as string).startsWith("2024-03-08")).map((r) => r.ts))]).toEqual(["2024-03-08T16:00:00.000Z", "2024-03-08T18:00:00.000Z"]);
    // 20:00Z (15:00 New York) is a point of the calendar, built without rows
    expect(await db.q("select ds.is_open('nyse', '2024-03-08T20:00Z') as open, (select count(*)::int from ds.missing('x-ohlcv-2h', '0.1.0', '2024-03-08', '2024-03-08T23:59Z')) as missing"))
      .toEqual([{ open: true, missing: 0 }]);
  });

  it("resamples 1m to 1d over the calendar's sessions, 13:00 on the early close", async () => {
    const actual = await rows("x_ohlcv_1d_v0_1_0");
    expect(actual).toEqual(ohlcv("session"));
    expect(actual.filter((r) => r.ts === "2024-11-29T00:00:00.000Z").map((r) => r.trades)).toEqual([210, 210, minutes(SESSIONS[5]!).filter((m) => m.ticker === "CCC").length]);
    expect(actual.some((r) => r.ts === "2024-11-28T00:00:00.000Z")).toBe(false); // Thanksgiving
  });

  it("resamples bars of bars: 5m to 1h equals 1m to 1h, trades adding up", async () => {
    expect(await rows("x_ohlcv_1h_of_5m_v0_1_0")).toEqual(await rows("x_ohlcv_1h_v0_1_0"));
  });

  it("resamples hourly bars to daily ones: they cover 10:00-16:00 New York, the hours there are", async () => {
    const days = new Map<string, ReturnType<typeof ohlcv>>();
    for (const h of ohlcv(HOUR)) {
      const id = `${h.ts.slice(0, 10)}T00:00:00.000Z ${h.ticker}`;
      days.set(id, [...(days.get(id) ?? []), h]);
    }
    const expected = [...days].map(([id, hs]) => ({
      ts: id.split(" ")[0], ticker: hs[0]!.ticker, open: hs[0]!.open, high: Math.max(...hs.map((h) => h.high)), low: Math.min(...hs.map((h) => h.low)),
      close: hs.at(-1)!.close, volume: hs.reduce((a, h) => a + h.volume, 0), trades: hs.reduce((a, h) => a + h.trades, 0),
    }));
    const actual = await rows("x_ohlcv_1d_of_1h_v0_1_0");
    expect(actual).toEqual(expected);
    expect(actual.find((r) => r.ts === "2024-03-08T00:00:00.000Z" && r.ticker === "AAA")!.trades).toBe(360); // not 390
  });
});

describe("downsample (Datastream API downsamplers)", () => {
  beforeAll(async () => {
    for (const d of ["x-close-5m", "x-close-1h", "x-close-1h-of-5m", "x-gappy-5m", "x-gappy-1h-of-5m"]) await build(d);
  });

  it("computes count, sum, sum_squares, min, max, mean, std_dev (population) and the first, last and mean time per key", async () => {
    expectStats(await db.q("select * from ds_data.x_close_5m_v0_1_0 order by ts, ticker"), 5 * MINUTE);
    expectStats(await db.q("select * from ds_data.x_close_1h_v0_1_0 order by ts, ticker"), HOUR);
  });

  it("composes over a downsampled source: counts and sums add, min/max combine, mean and std_dev from the sums", async () => {
    const composed = await db.q("select * from ds_data.x_close_1h_of_5m_v0_1_0 order by ts, ticker");
    expectStats(composed, HOUR);
    const direct = await db.q("select * from ds_data.x_close_1h_v0_1_0 order by ts, ticker");
    const exact = (r: Record<string, unknown>) => [r.ts, r.ticker, r.close_count, r.close_sum, r.close_sum_squares, r.close_min, r.close_max, r.close_mean, r.time_first, r.time_last];
    expect(composed.map(exact)).toEqual(direct.map(exact));
  });

  it('fill = "null" emits a row with count 0 and nulls for each empty bucket, and composes', async () => {
    const fiveMinutes: Record<string, unknown>[] = [];
    const hours = new Map<number, { count: number; sum: number; max: number; last: number }>();
    for (const s of SESSIONS) {
      for (let b = s.open; b < s.close; b += 5 * MINUTE) {
        const at = [0, 1, 2, 3, 4].map((i) => b + i * MINUTE).filter((ts) => gappyPresent(ts / MINUTE));
        const prices = at.map((ts) => ((ts / MINUTE) % 17) / 4);
        const n = prices.length;
        const sum = prices.reduce((a, p) => a + p, 0);
        fiveMinutes.push({
          ts: iso(b), price_count: n, price_sum: n ? sum : null, price_min: n ? Math.min(...prices) : null, price_max: n ? Math.max(...prices) : null,
          avg: n ? sum / n : null, time_last: n ? iso(at.at(-1)!) : null,
        });
        const h = Math.floor(b / HOUR) * HOUR;
        if (h < s.open || h + HOUR > s.close) continue;
        const acc = hours.get(h) ?? { count: 0, sum: 0, max: -Infinity, last: 0 };
        if (n) Object.assign(acc, { count: acc.count + n, sum: acc.sum + sum, max: Math.max(acc.max, ...prices), last: at.at(-1)! });
        hours.set(h, acc);
      }
    }
    // row_number: the implicit key of these keyless tables (1: one row per bucket)
    const isoRow = ({ row_number: _n, ...r }: Record<string, unknown>): Record<string, unknown> => ({ ...r, ts: (r.ts as Date).toISOString(), time_last: (r.time_last as Date | null)?.toISOString() ?? null });
    const actual = (await db.q("select * from ds_data.x_gappy_5m_v0_1_0 order by ts")).map(isoRow);
    expect(actual).toEqual(fiveMinutes);
    expect(actual.filter((r) => r.price_count === 0).length).toBeGreaterThan(100);
    const hourly = (await db.q("select * from ds_data.x_gappy_1h_of_5m_v0_1_0 order by ts")).map(isoRow);
    expect(hourly).toEqual([...hours].map(([h, a]) => ({
      ts: iso(h), price_count: a.count, price_mean: a.count ? a.sum / a.count : null, price_max: a.count ? a.max : null, time_last: a.count ? iso(a.last) : null,
    })));
    expect(hourly.filter((r) => r.price_count === 0).length).toBeGreaterThan(0); // hours without any value (floor(m / 60) % 5 == 3)
  });
});
