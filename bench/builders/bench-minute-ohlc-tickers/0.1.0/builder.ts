/** bench-minute-ohlc-tickers: five bars per minute, keyed by ticker. */
import { benchBar, type BenchBar } from "../../bench-bar.ts";

const TICKERS: ReadonlyArray<readonly [string, number]> = [
  ["AAPL", 190],
  ["MSFT", 410],
  ["GOOG", 150],
  ["AMZN", 180],
  ["NVDA", 900],
];

export function build(_dependencies: unknown, timestamp: Date): BenchBar[] {
  const minute = Math.floor(timestamp.getTime() / 60_000);
  return TICKERS.map(([ticker, base]) => benchBar(ticker, minute, base));
}
