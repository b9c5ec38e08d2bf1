/** mock-minute-bars: one deterministic one-minute OHLCV bar per ticker. */
import { ohlcBar, type OhlcRow } from "../../mock-prices.ts";

export interface MinuteBarRow extends OhlcRow {
  volume: number;
}

const MINUTE_MS = 60_000;
const TICKERS: ReadonlyArray<readonly [string, number, number]> = [
  ["SPY", 470, 0.4],
  ["QQQ", 400, 1.9],
];

export function build(_dependencies: unknown, timestamp: Date): MinuteBarRow[] {
  const minute = Math.floor(timestamp.getTime() / MINUTE_MS);
  return TICKERS.map(([ticker, base, phase], i) => ({
    ...ohlcBar(ticker, minute, base, phase),
    volume: 1000 + ((minute * 7919 + i * 104_729) % 50_000),
  }));
}
