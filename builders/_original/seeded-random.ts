/**
 * The original builder server's mock builders draw their values with Python's
 * `random.seed(<string>)` then `random.uniform(a, b)`. This is a small deterministic
 * stand-in (FNV-1a of the seed string, then mulberry32): same seed, same values, on every
 * machine and run. It does not reproduce Python's Mersenne Twister numbers — the examples
 * keep the original's shapes (tickers, fields, ranges), not its exact values.
 */

/** A generator of uniform numbers in [a, b), seeded by a string. */
export function seededUniform(seed: string): (a: number, b: number) => number {
  let state = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) state = Math.imul(state ^ seed.charCodeAt(i), 0x01000193) >>> 0;
  return (a, b) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return a + (b - a) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  };
}

/** Rounds to 2 decimals, like Python's round(x, 2) for these values. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** One mock OHLC row of the original: base in [100, 300), high above, low below, close near. */
export function mockOhlc(ticker: string, seed: string): { ticker: string; open: number; high: number; low: number; close: number } {
  const uniform = seededUniform(seed);
  const base = round2(uniform(100, 300));
  return {
    ticker,
    open: base,
    high: round2(base + uniform(0, 50)),
    low: round2(base - uniform(0, 30)),
    close: round2(base + uniform(-10, 20)),
  };
}
