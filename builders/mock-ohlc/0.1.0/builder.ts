/** mock-ohlc: one deterministic daily bar for the ticker MOCK. */
import { ohlcBar, type OhlcRow } from "../../mock-prices.ts";

const DAY_MS = 86_400_000;

export function build(_dependencies: unknown, timestamp: Date): OhlcRow[] {
  return [ohlcBar("MOCK", Math.floor(timestamp.getTime() / DAY_MS), 100, 0)];
}
