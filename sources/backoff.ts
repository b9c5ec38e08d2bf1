/**
 * Retrying one request of a source with exponential backoff and full jitter (AWS's
 * "Exponential Backoff And Jitter"): before retry n (1, 2, ...) the source waits a random
 * time in [0, min(cap, base · 2^(n-1))]. Only errors `retryable` accepts are retried, at
 * most `retries` times; the last error is then thrown as it is (the caller codes it).
 *
 * @example
 * const page = await withBackoff(() => exchange.fetchOHLCV(...), { retries: 5, baseMs: 500, retryable: isTransient });
 */
import { setTimeout as sleep } from "node:timers/promises";

export interface BackoffOptions {
  /** Retries after the first attempt (0: one attempt only). */
  retries: number;
  /** The first retry's ceiling in milliseconds; doubled at every retry. */
  baseMs: number;
  /** The ceiling of any one wait (default 30 s). */
  capMs?: number;
  retryable: (err: unknown) => boolean;
  /** Called before each wait (counts retries, logs). */
  onRetry?: (err: unknown, retry: number, waitMs: number) => void;
  signal?: AbortSignal;
  /** The random source, [0, 1): tests pass their own. */
  random?: () => number;
}

/** The wait before retry `retry` (1-based): uniform in [0, min(cap, base · 2^(retry-1))]. */
export function backoffDelay(retry: number, baseMs: number, capMs = 30_000, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** (retry - 1)));
}

export async function withBackoff<T>(attempt: () => Promise<T>, options: BackoffOptions): Promise<T> {
  for (let retry = 1; ; retry++) {
    options.signal?.throwIfAborted();
    try {
      return await attempt();
    } catch (err) {
      if (retry > options.retries || !options.retryable(err) || options.signal?.aborted) throw err;
      const wait = backoffDelay(retry, options.baseMs, options.capMs, options.random);
      options.onRetry?.(err, retry, wait);
      // an abort while waiting ends with the signal's reason, as throwIfAborted does
      await sleep(wait, undefined, { signal: options.signal }).catch((e: unknown) => Promise.reject(options.signal?.reason ?? e));
    }
  }
}
