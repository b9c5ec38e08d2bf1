/**
 * A PgSubscriber that never LISTENs, for a server whose database cannot: a hot standby
 * ("cannot execute LISTEN during recovery", retried forever by PostGraphile's subscriber)
 * or a transaction pooler (notifications would go to whichever client's session ran the
 * LISTEN). Its streams stay open and silent until released: `buildProgress` still follows
 * builds by polling their state, `newRows` yields nothing, and the schema is not re-read
 * on `postgraphile_watch` (restart the server after registering datasets).
 */
import { PgSubscriber } from "postgraphile/adaptors/pg";

export class QuietSubscriber extends PgSubscriber {
  private readonly waiting = new Set<() => void>();

  override subscribe<T>(_topic: string | number | symbol): AsyncIterableIterator<T> {
    const waiting = this.waiting;
    let done = false;
    let wake: (() => void) | undefined;
    const finish = async (): Promise<IteratorResult<T>> => {
      done = true;
      if (wake) waiting.delete(wake);
      wake?.();
      return { done: true, value: undefined };
    };
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        if (!done) await new Promise<void>((resolve) => waiting.add((wake = resolve)));
        return { done: true, value: undefined };
      },
      return: finish,
      throw: finish,
    };
  }

  override release(): void {
    for (const wake of this.waiting) wake();
    this.waiting.clear();
    super.release();
  }
}
