/**
 * The bars bench/resample.ts inserts with SQL (see its FILL statement), for tickers T01..T20:
 * e is the minute since the epoch, k the ticker's number; prices are multiples of 1/8.
 */
export function build(_deps: unknown, ts: Date) {
  const e = ts.getTime() / 60000;
  return Array.from({ length: 20 }, (_, i) => {
    const k = i + 1;
    const open = 100 + k + ((e * 7 + k) % 101) / 8;
    const close = open + (((e * 5 + k) % 9) - 4) / 4;
    return {
      ticker: `T${String(k).padStart(2, "0")}`,
      open,
      high: Math.max(open, close) + ((e + k) % 4) / 8,
      low: Math.min(open, close) - ((e * 3 + k) % 5) / 8,
      close,
      volume: 100 + ((e * 37 + k * 11) % 1000),
    };
  });
}
