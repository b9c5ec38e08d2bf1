/**
 * One line when the database goes away and one when the worker is back, however many
 * connections and retries fail in between (graphile-worker's own error lines are dropped
 * while an outage lasts: they would repeat every poll).
 */
export class OutageLog {
  readonly #log: (line: string) => void;
  readonly #who: string;
  #since: number | null = null;

  constructor(who: string, log: (line: string) => void) {
    this.#who = who;
    this.#log = log;
  }

  get active(): boolean {
    return this.#since !== null;
  }

  /** Something failed for want of the database; logs only the first failure of an outage. */
  down(err: unknown): void {
    if (this.#since !== null) return;
    this.#since = Date.now();
    const e = err as { code?: string; message?: string };
    this.#log(`${this.#who}: database unreachable (${e?.code ?? e?.message ?? String(err)}): retrying with backoff; running chunks roll back and run again`);
  }

  /** The database answers again. */
  up(): void {
    if (this.#since === null) return;
    const seconds = ((Date.now() - this.#since) / 1000).toFixed(1);
    this.#since = null;
    this.#log(`${this.#who}: database back after ${seconds} s: liveness restored, queue resumed`);
  }
}

/** Exponential backoff with jitter: 250 ms, 500 ms, ... up to 10 s. */
export function backoffMs(attempt: number): number {
  const base = Math.min(10_000, 250 * 2 ** Math.min(attempt, 6));
  return base / 2 + Math.random() * (base / 2);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
