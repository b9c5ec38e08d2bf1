/**
 * Transactions, written once: begin, the work, commit — or rollback and the error. A
 * connection whose rollback fails (it broke mid-transaction) is destroyed, never returned to
 * the pool in an unknown state.
 *
 * @example
 * const id = await withTransaction(pool, async (client) => {
 *   await client.query("set local time zone 'UTC'");
 *   return (await client.query("select ds.build($1, $2, $3, $4) as id", args)).rows[0].id;
 * });
 */
import type pg from "pg";

/** The work in a transaction on a client the caller holds (it stays the caller's). */
export async function transaction<T>(client: pg.ClientBase, work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  await client.query("begin");
  try {
    const result = await work(client);
    await client.query("commit");
    return result;
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  }
}

/** The work in a transaction on a connection of the pool, committed when it returns. */
export function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return onConnection(pool, true, work);
}

/** The work in a transaction that is always rolled back (dry runs). */
export function withRollback<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return onConnection(pool, false, work);
}

async function onConnection<T>(pool: pg.Pool, commit: boolean, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("begin");
    const result = await work(client);
    await client.query(commit ? "commit" : "rollback");
    return result;
  } catch (err) {
    await client.query("rollback").catch((e: Error) => (broken = e));
    throw err;
  } finally {
    client.release(broken);
  }
}
