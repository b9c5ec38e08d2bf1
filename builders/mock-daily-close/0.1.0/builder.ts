/** mock-daily-close: the close of each mock-ohlc row at the same point. */
import type { Dependencies } from "../../builder-types.ts";
import type { CloseRow } from "../../mock-prices.ts";

export function build(dependencies: Dependencies<{ "mock-ohlc": CloseRow }>): CloseRow[] {
  return dependencies["mock-ohlc"].flatMap((entry) => entry.rows.map(({ ticker, close }) => ({ ticker, close })));
}
