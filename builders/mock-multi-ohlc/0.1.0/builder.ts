/** mock-multi-ohlc: one deterministic daily bar per ticker. */
import { ohlcBar, type OhlcRow } from "../../mock-prices.ts";

const DAY_MS = 86_400_000;
const TICKERS: ReadonlyArray<readonly [string, number, number]> = [
  ["AAPL", 180, 0],
  ["MSFT", 370, 1.3],
  ["GOOG", 140, 2.6],
];

export function build(_dependencies: unknown, timestamp: Date): OhlcRow[] {
  const day = Math.floor(timestamp.getTime() / DAY_MS);
  return TICKERS.map(([ticker, base, phase]) => ohlcBar(ticker, day, base, phase));
}
