/**
 * The synthetic one-minute OHLCV bar of the benchmark datasets: a cheap closed-form
 * function of the minute and the ticker, so builds are reproducible and the builder's own
 * cost stays small next to the engine's.
 */
export interface BenchBar {
  [field: string]: unknown;
  ticker: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

const cents = (v: number) => Math.round(v * 100) / 100;

export function benchBar(ticker: string, minute: number, base: number): BenchBar {
  const open = base * (1 + 0.05 * Math.sin(minute / 500) + 0.01 * Math.sin(minute / 7));
  const close = base * (1 + 0.05 * Math.sin((minute + 1) / 500) + 0.01 * Math.sin((minute + 1) / 7));
  const spread = base * 0.002 * (1 + Math.abs(Math.sin(minute * 0.7)));
  return {
    ticker,
    open: cents(open),
    high: cents(Math.max(open, close) + spread),
    low: cents(Math.min(open, close) - spread),
    close: cents(close),
    volume: 1000 + ((minute * 7919) % 50_000),
  };
}
