/**
 * What a source is asked for one chunk, and what it answers: the chunk's slot ranges
 * [lower, upper) in epoch ms (only missing points reach a source: built ranges are never
 * fetched again), the symbols to fetch, and the rows it found with their timestamps.
 * A range before a symbol's listing simply has no rows: the chunk is built (empty there).
 */
import { DsError } from "../db/errors.ts";
import type { Row } from "../worker/validate-rows.ts";
import { redact, type Credentials } from "./credentials.ts";

export interface SourceJob {
  dataset: string;
  version: string;
  step_ms: number;
  /** Contiguous slot ranges [lower, upper) in epoch ms, ascending. */
  ranges: [number, number][];
  /** The symbols to fetch (those of the task's keys), or null for a source without symbols. */
  symbols: string[] | null;
  signal: AbortSignal;
  /** Called before each wait of a retry (the worker counts and logs them). */
  onRetry?: (message: string, retry: number, waitMs: number) => void;
}

/** One fetched row; `ts` in epoch ms. */
export interface SourceRow {
  ts: number;
  row: Row;
}

/** [source]'s retry settings: retries after the first attempt, the first backoff ceiling in ms. */
export function retrySettings(source: { retries?: number; backoff_ms?: number }): { retries: number; baseMs: number } {
  return { retries: source.retries ?? 5, baseMs: source.backoff_ms ?? 500 };
}

/**
 * DS060: a request still failed after its retries (429, 5xx, timeouts, dropped connections,
 * truncated bodies). The worker lets the engine retry the chunk (max-attempts).
 */
export function sourceUnavailable(job: SourceJob, what: string, err: unknown, attempts: number, creds: Credentials): DsError {
  return new DsError("DS060", redact(`${job.dataset} ${job.version}: ${what} failed after ${attempts} attempts: ${messageOf(err)}`, creds), {
    detail: "the source answered 429 or 5xx, timed out, dropped the connection or sent a truncated body at every attempt",
    hint: "The chunk is retried up to max-attempts; raise retries or backoff-ms in [source], or lower rate-limit's pace.",
  });
}

/** DS061: the source answered something unusable (an unknown symbol, a 4xx, rows that do not map onto the schema). */
export function sourceUnusable(job: SourceJob, message: string, creds: Credentials, hint?: string): DsError {
  return new DsError("DS061", redact(`${job.dataset} ${job.version}: ${message}`, creds), {
    detail: "retrying would not help: the source's answer or the [source] table must change",
    hint: hint ?? "Check [source] in config.toml against the exchange or vendor (README \"Sources\").",
  });
}

/** DS062: the source refused the credentials (401, 403, an authentication error). */
export function sourceRefused(job: SourceJob, message: string, creds: Credentials, envPrefix: string): DsError {
  return new DsError("DS062", redact(`${job.dataset} ${job.version}: the source refused its credentials: ${message}`, creds), {
    detail: `credentials come only from the worker's environment (${envPrefix}API_KEY, ${envPrefix}SECRET)`,
    hint: `Set or fix ${envPrefix}API_KEY and ${envPrefix}SECRET for the worker; they are never read from config.toml.`,
  });
}

export function messageOf(err: unknown): string {
  return ((err as Error)?.message ?? String(err)).slice(0, 500);
}
