import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDatasetConfig } from "../datasets/config.ts";
import { projectRoot } from "../db/project-root.ts";
import type { Row } from "../builders/builder-types.ts";
import * as dailyClose from "../builders/mock-daily-close/0.1.0/builder.ts";
import * as minuteBars from "../builders/mock-minute-bars/0.1.0/builder.ts";
import * as movingAvg from "../builders/mock-moving-avg/0.1.0/builder.ts";
import * as multiClose from "../builders/mock-multi-close/0.1.0/builder.ts";
import * as multiOhlc from "../builders/mock-multi-ohlc/0.1.0/builder.ts";
import * as ohlc from "../builders/mock-ohlc/0.1.0/builder.ts";

const day = (d: string) => new Date(`${d}T00:00:00Z`);

/** Every row has exactly the fields of the dataset's schema, with values of their types. */
function expectShape(dataset: string, rows: Row[]) {
  const { schema } = loadDatasetConfig(join(projectRoot(), "builders", dataset, "0.1.0", "config.toml"));
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    expect(Object.keys(row).sort()).toEqual(schema.map((f) => f.name).sort());
    for (const field of schema) {
      const value = row[field.name];
      if (field.type === "str") expect(typeof value).toBe("string");
      if (field.type === "float") expect(Number.isFinite(value)).toBe(true);
      if (field.type === "int") expect(Number.isInteger(value)).toBe(true);
    }
  }
}

/** Same timestamp, same rows; another timestamp, other values. */
function expectDeterministic(build: (ts: Date) => Row[], ts: Date, other: Date) {
  expect(build(new Date(ts.getTime()))).toEqual(build(ts));
  expect(build(other)).not.toEqual(build(ts));
}

describe("example builders", () => {
  it("mock-ohlc: one bar of MOCK per day, high and low bracketing open and close", () => {
    const rows = ohlc.build({}, day("2024-01-02"));
    expectShape("mock-ohlc", rows);
    expect(rows).toHaveLength(1);
    const [bar] = rows;
    expect(bar!.ticker).toBe("MOCK");
    expect(bar!.high).toBeGreaterThanOrEqual(Math.max(bar!.open, bar!.close));
    expect(bar!.low).toBeLessThanOrEqual(Math.min(bar!.open, bar!.close));
    expectDeterministic((ts) => ohlc.build({}, ts), day("2024-01-02"), day("2024-01-03"));
  });

  it("mock-daily-close: the close of the mock-ohlc row of the point", () => {
    const ts = day("2024-01-02");
    const bar = ohlc.build({}, ts)[0]!;
    const rows = dailyClose.build({ "mock-ohlc": [{ ts, rows: [bar] }] });
    expectShape("mock-daily-close", rows);
    expect(rows).toEqual([{ ticker: "MOCK", close: bar.close }]);
  });

  it("mock-multi-ohlc and mock-multi-close: AAPL, MSFT and GOOG per day", () => {
    const ts = day("2024-01-02");
    const bars = multiOhlc.build({}, ts);
    expectShape("mock-multi-ohlc", bars);
    expect(bars.map((b) => b.ticker)).toEqual(["AAPL", "MSFT", "GOOG"]);
    expectDeterministic((t) => multiOhlc.build({}, t), ts, day("2024-01-03"));
    const closes = multiClose.build({ "mock-multi-ohlc": [{ ts, rows: bars }] });
    expectShape("mock-multi-close", closes);
    expect(closes).toEqual(bars.map(({ ticker, close }) => ({ ticker, close })));
  });

  it("mock-moving-avg: the mean close of the entries in the window and how many there were", () => {
    const entries = [1, 2, 3, 4, 5].map((close, i) => ({ ts: day(`2024-01-0${i + 1}`), rows: [{ ticker: "MOCK", close }] }));
    const rows = movingAvg.build({ "mock-daily-close": entries });
    expectShape("mock-moving-avg", rows);
    expect(rows).toEqual([{ ticker: "MOCK", close_avg: 3, points: 5 }]);
    const nearStart = movingAvg.build({ "mock-daily-close": entries.slice(0, 2) });
    expect(nearStart).toEqual([{ ticker: "MOCK", close_avg: 1.5, points: 2 }]);
    expect(movingAvg.build({ "mock-daily-close": [] })).toEqual([]);
  });

  it("mock-minute-bars: one OHLCV bar per ticker and minute, integral volume", () => {
    const ts = new Date("2024-01-02T14:30:00Z");
    const rows = minuteBars.build({}, ts);
    expectShape("mock-minute-bars", rows);
    expect(rows.map((r) => r.ticker)).toEqual(["SPY", "QQQ"]);
    expectDeterministic((t) => minuteBars.build({}, t), ts, new Date("2024-01-02T14:31:00Z"));
  });
});
