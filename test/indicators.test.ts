/**
 * The TA-Lib-compatible indicators of sql/indicators/ (ds.sma ... ds.stddev): exact values
 * against the independent reference implementation of test/fixtures/indicators/, on a fixed
 * 60-bar price path and Wilder's published RSI example; TA-Lib's edge values, the output
 * alignment, edge cases and DS024 errors. Pure functions: no test writes anything.
 */
import { describe, expect, it } from "vitest";
import * as ref from "./fixtures/indicators/reference.ts";
import { pricePath, wilderCloses } from "./fixtures/indicators/series.ts";
import { expectSqlState, useTestDatabase } from "./support/test-database.ts";

const db = useTestDatabase("indicators");
const bars = pricePath(60);
const { high, low, close } = bars;
const hlc = [high, low, close];

type Row = Record<string, ref.Series>;
async function row(sql: string, params: unknown[] = []): Promise<Row> {
  const { rows } = await db.pool.query<Row>(sql, params);
  expect(rows, sql).toHaveLength(1);
  return rows[0]!;
}
async function values(sql: string, params: unknown[] = []): Promise<ref.Series> {
  return (await row(sql, params)).v!;
}

/** Same length, NULL exactly where expected, and equal to 10 decimals elsewhere. */
function expectSeries(actual: ref.Series | undefined, expected: ref.Series, label: string) {
  expect(actual, label).toHaveLength(expected.length);
  expected.forEach((e, i) => {
    const a = actual![i];
    if (e === null) expect(a, `${label}[${i}]`).toBeNull();
    else expect(a, `${label}[${i}]`).toBeCloseTo(e, 10);
  });
}
const leadingNulls = (xs: ref.Series) => xs.findIndex((x) => x !== null);

describe("indicators against the reference implementation (60-bar price path)", () => {
  it.each([
    ["ds.sma($1) (period 30)", [close], ref.sma(close, 30)],
    ["ds.sma($1, 7)", [close], ref.sma(close, 7)],
    ["ds.ema($1) (period 30)", [close], ref.ema(close, 30)],
    ["ds.ema($1, 9)", [close], ref.ema(close, 9)],
    ["ds.rsi($1) (period 14)", [close], ref.rsi(close, 14)],
    ["ds.rsi($1, 5)", [close], ref.rsi(close, 5)],
    ["ds.roc($1) (period 10)", [close], ref.roc(close, 10)],
    ["ds.roc($1, 3)", [close], ref.roc(close, 3)],
    ["ds.mom($1) (period 10)", [close], ref.mom(close, 10)],
    ["ds.mom($1, 4)", [close], ref.mom(close, 4)],
    ["ds.stddev($1) (period 5, nbdev 1)", [close], ref.stddev(close, 5, 1)],
    ["ds.stddev($1, 8, 2)", [close], ref.stddev(close, 8, 2)],
    ["ds.willr($1, $2, $3) (period 14)", hlc, ref.willr(bars, 14)],
    ["ds.willr($1, $2, $3, 6)", hlc, ref.willr(bars, 6)],
    ["ds.atr($1, $2, $3) (period 14)", hlc, ref.atr(bars, 14)],
    ["ds.atr($1, $2, $3, 5)", hlc, ref.atr(bars, 5)],
  ])("%s", async (call, params, expected) => {
    const sql = `select ${call.replace(/ \(.*\)$/, "")} as v`;
    expectSeries(await values(sql, params), expected, call);
  });

  it.each([
    ["ds.macd($1) (12/26/9)", [12, 26, 9]],
    ["ds.macd($1, 5, 13, 4)", [5, 13, 4]],
  ] as const)("%s: macd, signal and hist", async (call, [fast, slow, signal]) => {
    const m = await row(`select * from ${call.replace(/ \(.*\)$/, "")}`, [close]);
    const expected = ref.macd(close, fast, slow, signal);
    expectSeries(m.macd, expected.macd, "macd");
    expectSeries(m.signal, expected.signal, "signal");
    expectSeries(m.hist, expected.hist, "hist");
  });

  it.each([
    ["ds.stoch($1, $2, $3) (5/3/3)", [5, 3, 3]],
    ["ds.stoch($1, $2, $3, 9, 4, 2)", [9, 4, 2]],
  ] as const)("%s: slow %K and %D", async (call, [fastK, slowK, slowD]) => {
    const s = await row(`select * from ${call.replace(/ \(.*\)$/, "")}`, hlc);
    const expected = ref.stoch(bars, fastK, slowK, slowD);
    expectSeries(s.slowk, expected.slowk, "slowk");
    expectSeries(s.slowd, expected.slowd, "slowd");
  });

  it.each([
    ["ds.bbands($1) (5/2/2)", [5, 2, 2]],
    ["ds.bbands($1, 10, 1.5, 2.5)", [10, 1.5, 2.5]],
  ] as const)("%s: upper, middle and lower bands", async (call, [period, up, down]) => {
    const b = await row(`select * from ${call.replace(/ \(.*\)$/, "")}`, [close]);
    const expected = ref.bbands(close, period, up, down);
    expectSeries(b.upper, expected.upper, "upper");
    expectSeries(b.middle, expected.middle, "middle");
    expectSeries(b.lower, expected.lower, "lower");
  });

  it("aligns outputs with the inputs: TA-Lib's lookback as leading NULLs, then values to the end", async () => {
    const r = await row(
      `select ds.sma($1) sma, ds.ema($1) ema, ds.rsi($1) rsi, m.macd, s.slowk, ds.roc($1) roc, ds.mom($1) mom,
              ds.willr($2, $3, $1) willr, b.upper, ds.atr($2, $3, $1) atr, ds.stddev($1) stddev
       from ds.macd($1) m, ds.stoch($2, $3, $1) s, ds.bbands($1) b`,
      [close, high, low],
    );
    const lookbacks = { sma: 29, ema: 29, rsi: 14, macd: 33, slowk: 8, roc: 10, mom: 10, willr: 13, upper: 4, atr: 14, stddev: 4 };
    for (const [name, lookback] of Object.entries(lookbacks)) {
      expect(r[name], name).toHaveLength(60);
      expect(leadingNulls(r[name]!), name).toBe(lookback);
      expect(r[name]!.slice(lookback).every((x) => x !== null), name).toBe(true);
    }
  });

  it("unnests with the timestamps into one row per bar (one row of arrays for multi-output indicators)", async () => {
    const { rows } = await db.pool.query<{ n: string; ts: Date; close: number; macd: number | null; hist: number | null }>(
      `with bars as (select '2024-01-01'::timestamptz + (i - 1) * interval '1 day' as ts, c as close
                     from unnest($1::float8[]) with ordinality as u(c, i)),
            s as (select array_agg(ts order by ts) t, array_agg(close order by ts) c from bars)
       select u.n, u.ts, u.close, u.macd, u.hist
       from s, ds.macd(s.c) m, unnest(s.t, s.c, m.macd, m.hist) with ordinality as u(ts, close, macd, hist, n)
       order by u.n`,
      [close],
    );
    const expected = ref.macd(close, 12, 26, 9);
    expect(rows).toHaveLength(60);
    expect(rows[33]!.ts.toISOString()).toBe("2024-02-03T00:00:00.000Z");
    expect(rows[33]!.close).toBe(close[33]);
    expect(rows[32]!.macd).toBeNull();
    expect(rows[33]!.macd).toBeCloseTo(expected.macd[33]!, 10);
    expect(rows[59]!.hist).toBeCloseTo(expected.hist[59]!, 10);
  });
});

describe("TA-Lib conventions", () => {
  it("RSI(14) of Wilder's example (StockCharts' closes): 70.4641 at index 14, simple averages first", async () => {
    const rsi = await values("select ds.rsi($1, 14) as v", [wilderCloses]);
    expect(leadingNulls(rsi)).toBe(14);
    expect(rsi[14]).toBeCloseTo(70.4641, 4); // 100 * 3.34 / (3.34 + 1.40), the exact averages of the 14 changes
    expect(rsi[14]).toBeCloseTo(334 / 4.74, 10);
    // then Wilder smoothing (StockCharts rounds its averages and prints 66.32, 66.55, 69.41, 66.36, 57.97)
    [66.2496, 66.4809, 69.3469, 66.2947, 57.915].forEach((x, i) => expect(rsi[15 + i], `rsi[${15 + i}]`).toBeCloseTo(x, 4));
    expectSeries(rsi, ref.rsi(wilderCloses, 14), "rsi");
  });

  it("RSI is 0 on a flat series (gain + loss is zero), 100 on a strictly rising one", async () => {
    const r = await row("select ds.rsi(array_fill(42::float8, array[30])) flat, ds.rsi(array(select generate_series(1, 30)::float8)) rising");
    expect(r.flat).toEqual([...Array(14).fill(null), ...Array(16).fill(0)]);
    expect(r.rising).toEqual([...Array(14).fill(null), ...Array(16).fill(100)]);
  });

  it("MACD is not the naive EMA(12) - EMA(26): the fast EMA is seeded at the slow EMA's start", async () => {
    const r = await row("select m.macd, ds.ema($1, 12) fast, ds.ema($1, 26) slow from ds.macd($1) m", [close]);
    const naive = r.fast!.map((f, i) => (f === null || r.slow![i] === null ? null : f - r.slow![i]!));
    expectSeries(naive, ref.naiveMacdLine(close, 12, 26), "naive EMA12 - EMA26");
    expectSeries(r.macd, ref.macd(close, 12, 26, 9).macd, "TA-Lib macd");
    expect(naive[25]).not.toBeNull(); // the naive line exists from the slow EMA's first value...
    expect(r.macd![25]).toBeNull(); // ...TA-Lib outputs from (26 - 1) + (9 - 1) = 33
    for (const i of [33, 34, 35]) expect(Math.abs(r.macd![i]! - naive[i]!), `macd[${i}]`).toBeGreaterThan(1e-3);
    // the seed's influence decays: the two lines converge
    expect(Math.abs(r.macd![59]! - naive[59]!)).toBeLessThan(Math.abs(r.macd![33]! - naive[33]!));
  });

  it("MACD swaps fast and slow when slow < fast, like TA-Lib; signal period 1 makes signal = macd", async () => {
    const r = await row(
      `select a.macd a, b.macd b, c.macd c_macd, c.signal c_signal, c.hist c_hist
       from ds.macd($1, 12, 26, 9) a, ds.macd($1, 26, 12, 9) b, ds.macd($1, 12, 26, 1) c`,
      [close],
    );
    expect(r.b).toEqual(r.a);
    expect(leadingNulls(r.c_macd!)).toBe(25);
    expectSeries(r.c_signal, r.c_macd!, "signal with period 1");
    expectSeries(r.c_hist, r.c_macd!.map((x) => (x === null ? null : 0)), "hist with period 1");
  });

  it("zero ranges give TA-Lib's edge values: STOCH and WILLR 0, STDDEV 0, BBANDS collapsed, ROC 0 after a 0", async () => {
    const r = await row(
      `select s.slowk, s.slowd, ds.willr($1, $1, $1, 3) willr, ds.stddev($1, 3) stddev, b.upper, b.lower, ds.roc('{0,1,2}', 1) roc
       from ds.stoch($1, $1, $1) s, ds.bbands($1, 3) b`,
      [Array(12).fill(7.5)],
    );
    expect(r.slowk).toEqual([...Array(8).fill(null), 0, 0, 0, 0]);
    expect(r.slowd).toEqual([...Array(8).fill(null), 0, 0, 0, 0]);
    expect(r.willr).toEqual([null, null, ...Array(10).fill(0)]);
    expect(r.stddev).toEqual([null, null, ...Array(10).fill(0)]);
    expect(r.upper).toEqual([null, null, ...Array(10).fill(7.5)]);
    expect(r.lower).toEqual(r.upper);
    expect(r.roc).toEqual([null, 0, 100]);
  });

  it("a variance below 1e-14 counts as zero (TA_IS_ZERO_OR_NEG), one above does not", async () => {
    // windows of two values 4e-7 apart (variance 4e-14, deviation 2e-7) and 1e-8 apart (variance 2.5e-17)
    const r = await row("select ds.stddev('{1, 1.0000004, 1, 1.00000001}', 2) v");
    expect(r.v![1]).toBeGreaterThan(1.9e-7);
    expect(r.v![1]).toBeLessThan(2.1e-7);
    expect(r.v![3]).toBe(0);
  });
});

describe("edge cases", () => {
  it("a series shorter than the lookback gives all NULLs of the same length", async () => {
    const x = close.slice(0, 8);
    const r = await row(
      `select ds.sma($1) sma, ds.ema($1, 9) ema, ds.rsi($1, 8) rsi, m.macd, m.signal, s.slowk, s.slowd, ds.roc($1, 8) roc,
              ds.mom($1, 8) mom, ds.willr($1, $1, $1, 9) willr, b.middle, ds.atr($1, $1, $1, 8) atr, ds.stddev($1, 9) stddev
       from ds.macd($1) m, ds.stoch($1, $1, $1) s, ds.bbands($1, 9) b`,
      [x],
    );
    for (const [name, v] of Object.entries(r)) expect(v, name).toEqual(Array(8).fill(null));
  });

  it("one bar more than the lookback gives exactly one value, at the end", async () => {
    const r = await row("select ds.rsi($1, 5) rsi, ds.atr($1, $1, $1, 5) atr, ds.sma($1, 6) sma", [close.slice(0, 6)]);
    for (const [name, v] of Object.entries(r)) expect(leadingNulls(v), name).toBe(5);
  });

  it("period 1 where TA-Lib allows it: SMA and EMA return the input, MOM/ROC one-step changes, ATR the true range, STOCH raw %K", async () => {
    const r = await row(
      `select ds.sma($1, 1) sma, ds.ema($1, 1) ema, ds.mom($1, 1) mom, ds.roc($1, 1) roc, ds.atr($2, $3, $1, 1) atr, s.slowk, s.slowd
       from ds.stoch($2, $3, $1, 1, 1, 1) s`,
      [close, high, low],
    );
    expect(r.sma).toEqual(close);
    expectSeries(r.ema, close, "ema 1");
    expectSeries(r.mom, ref.mom(close, 1), "mom 1");
    expectSeries(r.roc, ref.roc(close, 1), "roc 1");
    expectSeries(r.atr, close.map((_, i) => (i === 0 ? null : ref.trueRange(bars, i))), "atr 1");
    const raw = ref.stoch(bars, 1, 1, 1);
    expectSeries(r.slowk, raw.slowk, "stoch 1/1/1 slowk");
    expectSeries(r.slowd, raw.slowk, "stoch 1/1/1 slowd");
  });

  it("an empty series gives empty arrays; a NULL series gives NULL (a row of NULLs for multi-output indicators)", async () => {
    const empty = await row(
      `select ds.sma('{}', 3) sma, ds.rsi('{}') rsi, ds.atr('{}', '{}', '{}') atr, m.macd, s.slowd, b.lower
       from ds.macd('{}') m, ds.stoch('{}', '{}', '{}') s, ds.bbands('{}') b`,
    );
    for (const [name, v] of Object.entries(empty)) expect(v, name).toEqual([]);
    const nulls = await row(
      `select ds.ema(null) ema, ds.roc(null) roc, ds.willr(null, '{1}', '{1}') willr, m.macd, m.signal, m.hist, s.slowk, b.upper, b.middle
       from ds.macd(null) m, ds.stoch('{1}', null, '{1}') s, ds.bbands(null) b`,
    );
    for (const [name, v] of Object.entries(nulls)) expect(v, name).toBeNull();
  });

  it("an array with another lower bound is read in order and returned 1-based", async () => {
    const r = await row("select ds.sma('[0:4]={1,2,3,4,5}', 2) v, array_lower(ds.sma('[0:4]={1,2,3,4,5}', 2), 1) lower");
    expect(r.v).toEqual([null, 1.5, 2.5, 3.5, 4.5]);
    expect(r.lower).toBe(1);
  });

  it("a long flat stretch decays RSI and ATR to 0 without a float underflow error", async () => {
    const r = await row(
      `with x as (select array_agg(case when i < 20 then 100 + i % 3 else 100 end::float8 order by i) c
                  from generate_series(1, 12000) i)
       select (ds.rsi(c))[12000] rsi, (ds.atr(c, c, c))[12000] atr, (ds.atr(c, c, c))[3000] > 0 atr_positive from x`,
    );
    expect(r).toEqual({ rsi: 0, atr: 0, atr_positive: true });
  });
});

describe("errors", () => {
  const x = "'{1,2,3,4,5}'::float8[]";
  it.each([
    ["ds.sma(x, 0)", "ds.sma: period must be an integer from 1 to 100000"],
    ["ds.sma(x, 100001)", "ds.sma: period must be an integer from 1 to 100000"],
    ["ds.sma(x, null)", "got NULL"],
    ["ds.ema(x, 0)", "ds.ema: period"],
    ["ds.rsi(x, 1)", "ds.rsi: period must be an integer from 2 to 100000"],
    ["ds.macd(x, 1)", "ds.macd: fast_period must be an integer from 2"],
    ["ds.macd(x, 12, 1)", "ds.macd: slow_period"],
    ["ds.macd(x, 12, 26, 0)", "ds.macd: signal_period must be an integer from 1"],
    ["ds.stoch(x, x, x, 0)", "ds.stoch: fastk_period"],
    ["ds.stoch(x, x, x, 5, 0)", "ds.stoch: slowk_period"],
    ["ds.stoch(x, x, x, 5, 3, 0)", "ds.stoch: slowd_period"],
    ["ds.roc(x, 0)", "ds.roc: period must be an integer from 1"],
    ["ds.mom(x, -3)", "ds.mom: period"],
    ["ds.willr(x, x, x, 1)", "ds.willr: period must be an integer from 2"],
    ["ds.bbands(x, 1)", "ds.bbands: period must be an integer from 2"],
    ["ds.bbands(x, 5, 'Infinity')", "ds.bbands: nbdevup must be a finite number"],
    ["ds.bbands(x, 5, 2, null)", "ds.bbands: nbdevdn"],
    ["ds.atr(x, x, x, 0)", "ds.atr: period must be an integer from 1"],
    ["ds.stddev(x, 1)", "ds.stddev: period must be an integer from 2"],
    ["ds.stddev(x, 5, 'NaN')", "ds.stddev: nbdev must be a finite number"],
    ["ds.sma('{1,NULL,3}', 2)", "ds.sma: series has NULL at position 2"],
    ["ds.rsi('{1,2,NaN,4}', 2)", "ds.rsi: series has NaN at position 3"],
    ["ds.ema('{1,-Infinity}', 2)", "ds.ema: series has -Infinity at position 2"],
    ["ds.atr(x, '{1,2,3,4,NULL}', x)", "ds.atr: low has NULL at position 5"],
    ["ds.mom('{{1,2},{3,4}}', 1)", "ds.mom: series must be a one-dimensional array"],
    ["ds.stoch(x, '{1,2,3,4}', x)", "ds.stoch: high, low and close must have the same length, got 5, 4 and 5"],
    ["ds.willr(x, x, '{1}')", "ds.willr: high, low and close must have the same length"],
    ["ds.atr('{1,2}', x, x)", "ds.atr: high, low and close must have the same length"],
  ])("%s raises DS024", async (call, detail) => {
    const sql = `select * from ${call.replaceAll(/\bx\b/g, x)}`;
    const err = (await expectSqlState(db.pool.query(sql), "DS024", /^invalid indicator parameter$/)) as { detail?: string; hint?: string };
    expect(err.detail).toContain(detail);
    expect(err.hint).toBeTruthy();
  });

  it("checks the parameters before the series, so a bad call fails even on an empty chunk", async () => {
    await expectSqlState(db.pool.query("select ds.rsi(null, 0)"), "DS024");
    await expectSqlState(db.pool.query("select ds.sma('{}', 0)"), "DS024");
  });
});

describe("catalog", () => {
  const signatures = [
    "ds.sma(series double precision[], period integer DEFAULT 30)",
    "ds.ema(series double precision[], period integer DEFAULT 30)",
    "ds.rsi(series double precision[], period integer DEFAULT 14)",
    "ds.macd(series double precision[], fast_period integer DEFAULT 12, slow_period integer DEFAULT 26, signal_period integer DEFAULT 9)",
    "ds.stoch(high double precision[], low double precision[], close double precision[], fastk_period integer DEFAULT 5, slowk_period integer DEFAULT 3, slowd_period integer DEFAULT 3)",
    "ds.roc(series double precision[], period integer DEFAULT 10)",
    "ds.mom(series double precision[], period integer DEFAULT 10)",
    "ds.willr(high double precision[], low double precision[], close double precision[], period integer DEFAULT 14)",
    "ds.bbands(series double precision[], period integer DEFAULT 5, nbdevup double precision DEFAULT 2, nbdevdn double precision DEFAULT 2)",
    "ds.atr(high double precision[], low double precision[], close double precision[], period integer DEFAULT 14)",
    "ds.stddev(series double precision[], period integer DEFAULT 5, nbdev double precision DEFAULT 1)",
  ];

  it("has the documented signatures; immutable, parallel safe, commented and hidden from GraphQL", async () => {
    const { rows } = await db.pool.query<{ signature: string; volatility: string; parallel: string; comment: string | null }>(
      `select 'ds.' || p.proname || '(' || pg_get_function_arguments(p.oid) || ')' signature, p.provolatile volatility,
              p.proparallel parallel, obj_description(p.oid, 'pg_proc') comment
       from pg_proc p where p.pronamespace = 'ds'::regnamespace and p.proname = any($1) order by p.proname`,
      [["sma", "ema", "rsi", "macd", "stoch", "roc", "mom", "willr", "bbands", "atr", "stddev"]],
    );
    expect(rows.map((r) => r.signature).sort()).toEqual([...signatures].sort());
    for (const r of rows) {
      expect(r.volatility, r.signature).toBe("i");
      expect(r.parallel, r.signature).toBe("s");
      expect(r.comment, r.signature).toMatch(/^@behavior -\*\n.*TA-Lib/s);
      expect(r.comment, r.signature).toContain("NULL for the first");
    }
  });

  it("returns one row of arrays for the multi-output indicators", async () => {
    const { rows } = await db.pool.query(
      `select 'macd' f, pg_get_function_result('ds.macd(float8[], int, int, int)'::regprocedure) r
       union all select 'stoch', pg_get_function_result('ds.stoch(float8[], float8[], float8[], int, int, int)'::regprocedure)
       union all select 'bbands', pg_get_function_result('ds.bbands(float8[], int, float8, float8)'::regprocedure)`,
    );
    expect(rows).toEqual([
      { f: "macd", r: "TABLE(macd double precision[], signal double precision[], hist double precision[])" },
      { f: "stoch", r: "TABLE(slowk double precision[], slowd double precision[])" },
      { f: "bbands", r: "TABLE(upper double precision[], middle double precision[], lower double precision[])" },
    ]);
    const { rows: calls } = await db.pool.query("select * from ds.macd(array(select generate_series(1, 40)::float8))");
    expect(calls).toHaveLength(1);
  });
});
