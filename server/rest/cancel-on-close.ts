/**
 * A request whose HTTP client goes away stops its work in PostgreSQL: while `work` runs on
 * a pooled connection, a response closed before it was finished cancels that connection's
 * statement (pg_cancel_backend from another pooled connection) and aborts the signal, so
 * that Node-side loops (a dry run's builders) stop too. The cancel is awaited before the
 * connection can go back to the pool, so it never reaches another request's statement.
 *
 * @example
 * await cancelOnClose(ctx.pool, client, res, (signal) => dryRunBuild(client, ..., { signal }));
 */
import type { ServerResponse } from "node:http";
import type pg from "pg";

export async function cancelOnClose<T>(pool: pg.Pool, client: pg.PoolClient, res: ServerResponse, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const pid = (client as pg.PoolClient & { processID: number | null }).processID;
  const controller = new AbortController();
  let cancelling: Promise<unknown> | null = null;
  const onClose = () => {
    if (res.writableFinished) return;
    controller.abort(new Error("the HTTP client disconnected"));
    if (pid) cancelling = pool.query("select pg_catalog.pg_cancel_backend($1)", [pid]).catch(() => undefined);
  };
  res.once("close", onClose);
  try {
    return await work(controller.signal);
  } finally {
    res.off("close", onClose);
    if (cancelling) await cancelling;
  }
}

/** True when the client of `res` has gone: nothing can be answered any more. */
export function clientGone(res: ServerResponse): boolean {
  return res.destroyed && !res.writableFinished;
}
