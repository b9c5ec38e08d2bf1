/**
 * mock-multi-ohlc (the original's example, rewritten from builder.py): one deterministic
 * OHLC row for each of AAPL, MSFT and GOOG per day — three rows per timestamp and no key.
 */
import { mockOhlc } from "../../seeded-random.ts";

const TICKERS = ["AAPL", "MSFT", "GOOG"];

export function build(_dependencies: unknown, timestamp: Date) {
  return TICKERS.map((ticker) => mockOhlc(ticker, `${ticker}-${timestamp.toISOString()}`));
}
