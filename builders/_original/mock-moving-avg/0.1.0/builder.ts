/** mock-moving-avg (the original's example, rewritten from builder.py): the mean close of the 5-day lookback, rounded to 2 decimals. */
import type { Dependencies } from "../../../builder-types.ts";
import { round2 } from "../../seeded-random.ts";

type CloseRow = { ticker: string; close: number };

export function build(dependencies: Dependencies<{ "mock-daily-close": CloseRow }>) {
  const prices = dependencies["mock-daily-close"].filter((e) => e.rows.length > 0).map((e) => e.rows[0]!.close);
  if (prices.length === 0) return [{ ticker: "AAPL", average: 0.0 }];
  return [{ ticker: "AAPL", average: round2(prices.reduce((sum, p) => sum + p, 0) / prices.length) }];
}
