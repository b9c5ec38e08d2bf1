/** bench-minute-sma 0.1.0: per ticker, the mean close over the window [T-4m, T] and the rows used. */
import type { BenchBar } from "../../bench-bar.ts";

type Entries = { ts: Date; rows: BenchBar[] }[];

export function build(dependencies: { "bench-minute-ohlc": Entries }) {
  const sums = new Map<string, { sum: number; points: number }>();
  for (const entry of dependencies["bench-minute-ohlc"]) {
    for (const { ticker, close } of entry.rows) {
      const s = sums.get(ticker) ?? { sum: 0, points: 0 };
      s.sum += close;
      s.points++;
      sums.set(ticker, s);
    }
  }
  return [...sums].map(([ticker, { sum, points }]) => ({ ticker, close_avg: sum / points, points }));
}
