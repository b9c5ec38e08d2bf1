/** bench-minute-close 0.1.0: the close of each bench-minute-ohlc row at the point. */
import type { BenchBar } from "../../bench-bar.ts";

type Entries = { ts: Date; rows: BenchBar[] }[];

export function build(dependencies: { "bench-minute-ohlc": Entries }) {
  return dependencies["bench-minute-ohlc"].flatMap((entry) => entry.rows.map(({ ticker, close }) => ({ ticker, close })));
}
