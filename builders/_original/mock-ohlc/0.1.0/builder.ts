/** mock-ohlc (the original's example, rewritten from builder.py): one deterministic OHLC row for AAPL per day. */
import { mockOhlc } from "../../seeded-random.ts";

export function build(_dependencies: unknown, timestamp: Date) {
  return [mockOhlc("AAPL", timestamp.toISOString())];
}
