/**
 * A pooled connection with the session time zone set to UTC for the duration of a call, so
 * that timestamp fields inside rows print as "...+00:00" whatever the server's default, and
 * with the request's limits (ds.max_rows, ds.max_points) set for the call.
 */
import type pg from "pg";

export async function withUtcSession<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, settings: Record<string, string> = {}): Promise<T> {
  const client = await pool.connect();
  const names = Object.keys(settings);
  try {
    await client.query("set time zone 'UTC'");
    for (const name of names) await client.query("select pg_catalog.set_config($1, $2, false)", [name, settings[name]]);
    return await fn(client);
  } finally {
    // back to the connection's defaults before it returns to the pool; a broken one is dropped
    const reset = ["reset time zone", ...names.map((n) => `reset "${n.replaceAll('"', '""')}"`)].join("; ");
    await client.query(reset).then(() => client.release(), (err: Error) => client.release(err));
  }
}
