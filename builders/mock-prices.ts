/**
 * Deterministic mock prices shared by the example builders: every value is a closed-form
 * function of a step index (days or minutes since the epoch), so builds are reproducible.
 */
import type { Row } from "./builder-types.ts";

export interface OhlcRow extends Row {
  ticker: string;
  open: number;
  high: number;
  low: number;
  close: number;
}

/** A price path around base: two sine waves, shifted by phase. */
export function wave(index: number, base: number, phase = 0): number {
  return base * (1 + 0.05 * Math.sin(index / 20 + phase) + 0.02 * Math.sin(index / 3.7 + 2 * phase));
}

/** Round to cents, so that values print the same everywhere. */
export function cents(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The bar at step index: open and close follow the wave, high and low bracket them. */
export function ohlcBar(ticker: string, index: number, base: number, phase: number): OhlcRow {
  const open = wave(index, base, phase);
  const close = wave(index + 1, base, phase);
  const spread = base * 0.01 * (1 + Math.abs(Math.sin(index * 0.7 + phase)));
  return {
    ticker,
    open: cents(open),
    high: cents(Math.max(open, close) + spread),
    low: cents(Math.min(open, close) - spread),
    close: cents(close),
  };
}

export interface CloseRow extends Row {
  ticker: string;
  close: number;
}
