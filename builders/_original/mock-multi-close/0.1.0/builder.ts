/** mock-multi-close (the original's example, rewritten from builder.py): the close of every mock-multi-ohlc row at the same timestamp, in its order. */
import type { Dependencies } from "../../../builder-types.ts";

type OhlcRow = { ticker: string; close: number };

export function build(dependencies: Dependencies<{ "mock-multi-ohlc": OhlcRow }>, timestamp: Date) {
  const entry = dependencies["mock-multi-ohlc"].find((e) => e.ts.getTime() === timestamp.getTime());
  return (entry?.rows ?? []).map((row) => ({ ticker: row.ticker, close: row.close }));
}
