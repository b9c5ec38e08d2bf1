/**
 * The point-by-point transforms (derivative, counter-reset, counter-derivative, sum), the
 * indicator transform, and the validation of every transform's parameters (DS019), on the
 * x-* fixtures. Expected values: recomputed here from the fixtures' formulas for the
 * derived operators, and ds.<function> called directly on each point's trailing window of
 * warm-up points (and, for the indicators that are not recursive, on the whole series) for
 * the indicators.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { counter } from "./fixtures/builders/x-counter/0.1.0/builder.ts";
import { extra } from "./fixtures/builders/x-addend/0.1.0/builder.ts";
import { bar } from "./fixtures/builders/x-ohlcv/0.1.0/builder.ts";
import { expectSqlState } from "./support/test-database.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("transforms-derived");

const MINUTE = 60_000;
const t = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

/** The nyse sessions the builds cover (UTC), each with the close of the session before it. */
const session = (day: string, open: string, close: string, previousClose: string) =>
  ({ day, open: t(`${day}T${open}:00Z`), close: t(`${day}T${close}:00Z`), previousClose: t(previousClose) });
const SESSIONS = [
  session("2024-03-08", "14:30", "21:00", "2024-03-07T21:00:00Z"),
  session("2024-03-11", "13:30", "20:00", "2024-03-08T21:00:00Z"), // EDT from Sunday 2024-03-10
  session("2024-11-01", "13:30", "20:00", "2024-10-31T20:00:00Z"),
  session("2024-11-04", "14:30", "21:00", "2024-11-01T20:00:00Z"), // EST from Sunday 2024-11-03
  session("2024-11-27", "14:30", "21:00", "2024-11-26T21:00:00Z"),
  session("2024-11-29", "14:30", "18:00", "2024-11-27T21:00:00Z"), // after Thanksgiving; early close
  session("2024-12-02", "14:30", "21:00", "2024-11-29T18:00:00Z"),
];
const BUILDS: Array<[string, string]> = [["2024-03-08", "2024-03-11T23:59:00Z"], ["2024-11-01", "2024-11-04T23:59:00Z"], ["2024-11-27", "2024-12-02T23:59:00Z"]];

async function build(dataset: string, ranges: Array<[string, string]> = BUILDS) {
  for (const [start, end] of ranges) {
    const { id } = await db.one<{ id: number }>("select ds.build($1, '0.1.0', $2, $3) as id", [dataset, start, end]);
    expect(await db.one("select ds.wait($1) as state", [id])).toEqual({ state: "succeeded" });
  }
}

async function rows(table: string, key: string): Promise<Record<string, unknown>[]> {
  return (await db.q(`select * from ds_data.${table} order by ts, ${key}`)).map((r) => ({ ...r, ts: (r.ts as Date).toISOString() }));
}

/** Every (point, previous point) of the sessions, the previous point of an open being the last minute of the session before. */
function pointPairs(): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const s of SESSIONS) {
    for (let ts = s.open; ts < s.close; ts += MINUTE) out.push([ts, ts === s.open ? s.previousClose - MINUTE : ts - MINUTE]);
  }
  return out;
}

/** Rows of a previous-point operator over x-counter: f(v, previous v, seconds), undefined for no row. */
function expected(field: string, f: (v: number, prev: number, seconds: number) => number | undefined) {
  const out: Record<string, unknown>[] = [];
  for (const [ts, prev] of pointPairs()) {
    for (const name of ["a", "b"]) {
      const v = counter(name, ts / MINUTE);
      const p = counter(name, prev / MINUTE);
      const value = v === undefined || p === undefined ? undefined : f(v, p, (ts - prev) / 1000);
      if (value !== undefined) out.push({ ts: iso(ts), name, [field]: value });
    }
  }
  return out;
}

describe("derived operators", () => {
  beforeAll(async () => {
    for (const d of ["x-counter-rate", "x-counter-reset", "x-counter-wrap", "x-counter-nowrap", "x-sum"]) await build(d);
  });

  it("derivative: (v - previous v) / seconds between the points, across nights, weekends and DST; none where either is missing", async () => {
    const actual = await rows("x_counter_rate_v0_1_0", "name");
    expect(actual).toEqual(expected("rate", (v, p, s) => (v - p) / s));
    // the open after a weekend reads Friday's 15:59 New York: 2 days 17.5 hours earlier
    expect(actual.find((r) => r.ts === "2024-03-11T13:30:00.000Z" && r.name === "a")!.rate)
      .toBe((counter("a", t("2024-03-11T13:30:00Z") / MINUTE)! - counter("a", t("2024-03-08T20:59:00Z") / MINUTE)!) / ((t("2024-03-11T13:30:00Z") - t("2024-03-08T20:59:00Z")) / 1000));
    // b has no value when m % 6 == 0: no rate there nor at the minute after
    expect(actual.filter((r) => r.name === "b").length).toBeLessThan(actual.filter((r) => r.name === "a").length);
  });

  it("counter-reset: 1 where the value drops, else 0", async () => {
    const actual = await rows("x_counter_reset_v0_1_0", "name");
    expect(actual).toEqual(expected("reset", (v, p) => (v < p ? 1 : 0)));
    expect(actual.filter((r) => r.reset === 1).length).toBeGreaterThan(100);
  });

  it("counter-derivative: a drop wraps around at max_value; without max_value it gives no row", async () => {
    expect(await rows("x_counter_wrap_v0_1_0", "name")).toEqual(expected("rate", (v, p, s) => (v >= p ? v - p : 50 - p + v) / s));
    expect(await rows("x_counter_nowrap_v0_1_0", "name")).toEqual(expected("rate", (v, p, s) => (v >= p ? (v - p) / s : undefined)));
  });

  it("sum: the sum of several datasets, only where every one has a value for the key at that timestamp", async () => {
    const out: Record<string, unknown>[] = [];
    for (const [ts] of pointPairs()) {
      ["AAA", "BBB"].forEach((ticker, k) => {
        const e = extra(ts / MINUTE, k);
        if (e !== undefined) out.push({ ts: iso(ts), ticker, total: bar(ts / MINUTE, k).close + e });
      });
    }
    expect(await rows("x_sum_v0_1_0", "ticker")).toEqual(out); // CCC is not in x-addend; BBB misses every fifth minute
  });
});

describe("indicator", () => {
  const FUNCTIONS: Record<string, { call: string; fields: string[] }> = {
    sma: { call: "ds.sma(x.c, 5)", fields: ["value"] },
    ema: { call: "ds.ema(x.c, 10)", fields: ["ema"] },
    rsi: { call: "ds.rsi(x.c, 14)", fields: ["rsi"] },
    macd: { call: "ds.macd(x.c, 12, 26, 9)", fields: ["macd", "signal", "hist"] },
    stoch: { call: "ds.stoch(x.h, x.l, x.c)", fields: ["k", "d"] },
    roc: { call: "ds.roc(x.o, 10)", fields: ["value"] },
    mom: { call: "ds.mom(x.c, 10)", fields: ["value"] },
    willr: { call: "ds.willr(x.h, x.l, x.c, 14)", fields: ["value"] },
    bbands: { call: "ds.bbands(x.c, 20, 2, 1.5)", fields: ["upper", "middle", "lower"] },
    atr: { call: "ds.atr(x.h, x.l, x.c, 14)", fields: ["value"] },
    stddev: { call: "ds.stddev(x.c, 20, 1)", fields: ["value"] },
  };

  beforeAll(async () => {
    // two builds, two chunks: each reads its points and the 60 before them
    for (const f of Object.keys(FUNCTIONS)) await build(`x-ind-${f}`, [["2024-03-01", "2024-03-31"], ["2024-04-01", "2024-05-31"]]);
  });

  it("builds the source's warm-up first (lookback 60: the 60 points before the first one)", async () => {
    // the 60th NYSE day up to 2024-03-01 is before the start date: the window is clamped to it
    expect(await db.one("select min(ts) as first, max(ts) as last from ds_data.x_daily_v0_1_0"))
      .toEqual({ first: new Date("2024-01-02T00:00:00Z"), last: new Date("2024-05-31T00:00:00Z") });
  });

  /** ds.<function> called directly on each point's trailing window of 60 source points (or the whole series). */
  const direct = (call: string, fields: string[], window: boolean) => {
    const multi = fields.length > 1; // macd, stoch, bbands return one row of arrays
    const columns = fields[0] === "k" ? ["slowk", "slowd"] : fields;
    const pick = (i: number) => (multi ? `(f.${columns[i]})[cardinality(x.c)]` : "f.value[cardinality(x.c)]");
    return db.q(
      `with p as (select ts, row_number() over (order by ts) as n from ds.calendar_points('nyse-daily', '1d', '2024-01-02', '2024-05-31') c(ts)),
            s as (select d.*, p.n from ds_data.x_daily_v0_1_0 d join p using (ts)),
            x as (select e.ts, e.ticker, array_agg(s.open order by s.ts) as o, array_agg(s.high order by s.ts) as h,
                         array_agg(s.low order by s.ts) as l, array_agg(s.close order by s.ts) as c
                  from s e join s on s.ticker = e.ticker and s.n <= e.n ${window ? "and s.n > e.n - 60" : ""}
                  where e.ts >= '2024-03-01' group by e.ts, e.ticker)
       select x.ts, x.ticker, ${fields.map((name, i) => `${pick(i)} as ${name}`).join(", ")}
       from x, lateral ${multi ? `${call} f` : `(select ${call} as value) f`}
       where ${fields.map((_, i) => `${pick(i)} is not null`).join(" and ")}
       order by x.ts, x.ticker`,
    );
  };
  // without recursion a value reads only the function's own lookback: the window gives TA-Lib's value over the whole series
  const RECURSIVE = ["ema", "rsi", "macd", "atr"];

  for (const [f, { call, fields }] of Object.entries(FUNCTIONS)) {
    it(`${f} equals ${call.replace(/x\.\w/g, (m) => m.slice(2))} over each point's trailing 60 source points`, async () => {
      const expected = await direct(call, fields, true);
      expect(expected.length).toBeGreaterThan(60);
      expect(await db.q(`select ts, ticker, ${fields.join(", ")} from ds_data.x_ind_${f}_v0_1_0 order by ts, ticker`)).toEqual(expected);
    });
    if (!RECURSIVE.includes(f)) {
      it(`${f} over the warm-up equals ${f} over the whole source series (not recursive)`, async () => {
        const whole = await direct(call, fields, false);
        const actual = await db.q<Record<string, number>>(`select ts, ticker, ${fields.join(", ")} from ds_data.x_ind_${f}_v0_1_0 order by ts, ticker`);
        expect(actual.length).toBe(whole.length);
        actual.forEach((row, i) => fields.forEach((name) => expect(row[name]).toBeCloseTo((whole[i] as Record<string, number>)[name]!, 9)));
      });
    }
  }
});

describe("invalid transform parameters (DS019)", () => {
  const base = {
    name: "x-invalid", version: "0.1.0", description: null, builder: null, calendar: "nyse", granularity: "5m",
    start_date: "2024-03-01T00:00:00.000Z", key: ["ticker"], chunk: null, max_attempts: null, env_vars: false, tags: {},
  };
  const field = (name: string, type = "float", nullable = false) => ({ name, type, nullable });
  const ohlc = [field("ticker", "str"), field("open"), field("high"), field("low"), field("close")];
  const register = (def: Record<string, unknown>) => db.q("select ds.register_dataset($1::jsonb)", [JSON.stringify({ ...base, ...def })]);
  const dep = (name: string, lookback: string | number | null = null) => [{ name, version: "0.1.0", lookback }];

  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["resample: an unknown parameter", { schema: ohlc, dependencies: dep("x-ohlcv"), transform: { kind: "resample", source: "x-ohlcv", colour: "red" } }, "transform.colour"],
    ["resample: a source that is not a dependency", { schema: ohlc, dependencies: dep("x-ohlcv"), transform: { kind: "resample", source: "x-daily" } }, "transform.source"],
    ["resample: a field it does not compute", { schema: [...ohlc, field("vwap")], dependencies: dep("x-ohlcv"), transform: { kind: "resample" } }, "schema.vwap"],
    ["resample: a type other than the source's", { schema: [field("ticker", "str"), field("open", "numeric")], dependencies: dep("x-ohlcv"), transform: { kind: "resample" } }, "schema.open"],
    ["resample: a granularity that is not a multiple of the source's", { granularity: "7m", schema: ohlc, dependencies: dep("x-ohlcv-5m"), transform: { kind: "resample" } }, "granularity"],
    ["resample: a key other than the source's", { key: [], schema: ohlc.slice(1), dependencies: dep("x-ohlcv"), transform: { kind: "resample" } }, "key"],
    ["resample: a volume column the source lacks", { schema: ohlc, dependencies: dep("x-ohlcv"), transform: { kind: "resample", volume: "size" } }, "transform.volume"],
    ["downsample: an unknown downsampler", { schema: [field("ticker", "str"), field("close_median")], dependencies: dep("x-ohlcv"), transform: { kind: "downsample", field: "close", value: ["median"] } }, "transform.value"],
    ["downsample: fill on a dataset with key", { schema: [field("ticker", "str"), field("close_count", "int")], dependencies: dep("x-ohlcv"), transform: { kind: "downsample", field: "close", value: ["count"], fill: "null" } }, "transform.fill"],
    ["downsample: fill into a field that is not nullable", { key: [], schema: [field("price_count", "int"), field("price_mean")], dependencies: dep("x-gappy"), transform: { kind: "downsample", field: "price", value: ["count", "mean"], fill: "null" } }, "schema.price_mean"],
    ["downsample: a field that is neither a column nor a downsampled prefix", { schema: [field("ticker", "str"), field("price_count", "int")], dependencies: dep("x-ohlcv"), transform: { kind: "downsample", field: "price", value: ["count"] } }, "transform.field"],
    ["downsample: a field no downsampler gives", { schema: [field("ticker", "str"), field("close_mean"), field("close_max")], dependencies: dep("x-ohlcv"), transform: { kind: "downsample", field: "close", value: ["mean"] } }, "schema.close_max"],
    ["downsample: two downsamplers named alike", { schema: [field("ticker", "str"), field("close_min"), field("close_max")], dependencies: dep("x-ohlcv"), transform: { kind: "downsample", field: "close", value: ["min", "max"], names: { min: "close_max" } } }, "transform.names"],
    ["derivative: no counted lookback on the source", { granularity: "1m", key: ["name"], schema: [field("name", "str"), field("rate")], dependencies: dep("x-counter"), transform: { kind: "derivative" } }, "dependencies.x-counter.lookback"],
    ["derivative: a wall-clock lookback", { granularity: "1m", key: ["name"], schema: [field("name", "str"), field("rate")], dependencies: dep("x-counter", "2m"), transform: { kind: "derivative" } }, "dependencies.x-counter.lookback"],
    ["counter-derivative: a max_value that is not a positive number", { granularity: "1m", key: ["name"], schema: [field("name", "str"), field("rate")], dependencies: dep("x-counter", 2), transform: { kind: "counter-derivative", max_value: -1 } }, "transform.max_value"],
    ["counter-reset: an output that is not an int", { granularity: "1m", key: ["name"], schema: [field("name", "str"), field("reset")], dependencies: dep("x-counter", 2), transform: { kind: "counter-reset" } }, "schema.reset"],
    ["sum: a single source", { granularity: "1m", schema: [field("ticker", "str"), field("total")], dependencies: dep("x-ohlcv"), transform: { kind: "sum", field: "close" } }, "transform.sources"],
    ["indicator: an unknown function", { calendar: "nyse-daily", granularity: "1d", start_date: "2024-01-02T00:00:00.000Z", schema: [field("ticker", "str"), field("value")], dependencies: dep("x-daily", 60), transform: { kind: "indicator", function: "vwap" } }, "transform.function"],
    ["indicator: a parameter the function does not take", { calendar: "nyse-daily", granularity: "1d", start_date: "2024-01-02T00:00:00.000Z", schema: [field("ticker", "str"), field("macd")], dependencies: dep("x-daily", 60), transform: { kind: "indicator", function: "macd", period: 5 } }, "transform.period"],
    ["indicator: a period TA-Lib refuses", { calendar: "nyse-daily", granularity: "1d", start_date: "2024-01-02T00:00:00.000Z", schema: [field("ticker", "str"), field("value")], dependencies: dep("x-daily", 60), transform: { kind: "indicator", function: "sma", period: 0 } }, "transform"],
    ["indicator: a factor that is not a number", { calendar: "nyse-daily", granularity: "1d", start_date: "2024-01-02T00:00:00.000Z", schema: [field("ticker", "str"), field("upper")], dependencies: dep("x-daily", 60), transform: { kind: "indicator", function: "bbands", nbdevup: "2" } }, "transform.nbdevup"],
    ["indicator: a wall-clock lookback instead of a warm-up count", { calendar: "nyse-daily", granularity: "1d", start_date: "2024-01-02T00:00:00.000Z", schema: [field("ticker", "str"), field("value")], dependencies: dep("x-daily", "99999d"), transform: { kind: "indicator", function: "rsi" } }, "dependencies.x-daily.lookback"],
    ["indicator: a warm-up too short for the function", { calendar: "nyse-daily", granularity: "1d", start_date: "2024-01-02T00:00:00.000Z", schema: [field("ticker", "str"), field("value")], dependencies: dep("x-daily", 20), transform: { kind: "indicator", function: "sma", period: 30 } }, "dependencies.x-daily.lookback"],
    ["indicator: outputs the function does not give", { calendar: "nyse-daily", granularity: "1d", start_date: "2024-01-02T00:00:00.000Z", schema: [field("ticker", "str"), field("line")], dependencies: dep("x-daily", 60), transform: { kind: "indicator", function: "macd" } }, "schema"],
  ];

  for (const [what, def, where] of cases) {
    it(`refuses ${what} (DS019, field ${where})`, async () => {
      const err = (await expectSqlState(register(def), "DS019", /invalid \S+ transform/)) as { detail?: string };
      expect(err.detail).toContain(`dataset "x-invalid" version "0.1.0", field "${where}":`);
    });
  }
});
