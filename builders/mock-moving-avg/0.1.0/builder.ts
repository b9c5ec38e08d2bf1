/** mock-moving-avg: per ticker, the mean close of the lookback window and the points used. */
import type { Dependencies, Row } from "../../builder-types.ts";
import type { CloseRow } from "../../mock-prices.ts";

export interface MovingAverageRow extends Row {
  ticker: string;
  close_avg: number;
  points: number;
}

export function build(dependencies: Dependencies<{ "mock-daily-close": CloseRow }>): MovingAverageRow[] {
  const closes = new Map<string, number[]>();
  for (const entry of dependencies["mock-daily-close"]) {
    for (const row of entry.rows) closes.set(row.ticker, [...(closes.get(row.ticker) ?? []), row.close]);
  }
  return [...closes].map(([ticker, values]) => ({
    ticker,
    close_avg: values.reduce((sum, v) => sum + v, 0) / values.length,
    points: values.length,
  }));
}
