/** bench-minute-ohlc: one bar per minute, one row per calendar point. */
import { benchBar, type BenchBar } from "../../bench-bar.ts";

export function build(_dependencies: unknown, timestamp: Date): BenchBar[] {
  return [benchBar("BENCH", Math.floor(timestamp.getTime() / 60_000), 100)];
}
