/**
 * One line when the database goes away and one when the worker is back, however many
 * connections and retries fail in between (graphile-worker's own error lines are dropped
 * while an outage lasts: they would repeat every poll).
 */
export class OutageLog {
  readonly #log: (line: string) => void;
  readonly #who: string;
  #since: number | null = null;
  #lastFailure = 0;
  #waiters: (() => void)[] = [];

  constructor(who: string, log: (line: string) => void) {
    this.#who = who;
    this.#log = log;
  }

  get active(): boolean {
    return this.#since !== null;
  }

  /** Something failed for want of the database; logs only the first failure of an outage. */
  down(err: unknown): void {
    this.#lastFailure = Date.now();
    if (this.#since !== null) return;
    this.#since = Date.now();
    const e = err as { code?: string; message?: string };
    this.#log(`${this.#who}: database unreachable (${e?.code ?? e?.message ?? String(err)}): retrying with backoff; running chunks roll back and run again`);
  }

  /**
   * The database answers again. The outage ends only once nothing has failed for
   * STABLE_MS: a restart fails stale pooled connections for a moment after it is back.
   */
  up(): void {
    if (this.#since === null || Date.now() - this.#lastFailure < STABLE_MS) return;
    const seconds = ((this.#lastFailure - this.#since) / 1000).toFixed(1);
    this.#since = null;
    this.#log(`${this.#who}: database back after ${seconds} s: liveness restored, queue resumed`);
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Resolves when the current (or next) outage ends. */
  ended(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

const STABLE_MS = 5000;

/** Exponential backoff with jitter: 250 ms, 500 ms, ... up to 10 s. */
export function backoffMs(attempt: number): number {
  const base = Math.min(10_000, 250 * 2 ** Math.min(attempt, 6));
  return base / 2 + Math.random() * (base / 2);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
