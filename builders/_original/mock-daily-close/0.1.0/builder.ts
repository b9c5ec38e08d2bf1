/** mock-daily-close (the original's example, rewritten from builder.py): the close of the mock-ohlc row at the same timestamp. */
import type { Dependencies } from "../../../builder-types.ts";

type OhlcRow = { ticker: string; close: number };

export function build(dependencies: Dependencies<{ "mock-ohlc": OhlcRow }>, timestamp: Date) {
  const entry = dependencies["mock-ohlc"].find((e) => e.ts.getTime() === timestamp.getTime());
  const ohlc = entry?.rows[0];
  if (!ohlc) throw new Error(`mock-ohlc has no row at ${timestamp.toISOString()}`);
  return [{ ticker: ohlc.ticker, close: ohlc.close }];
}
