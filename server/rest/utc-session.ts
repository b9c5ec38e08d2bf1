/**
 * A pooled connection with the session time zone set to UTC for the duration of a call, so
 * that timestamp fields inside rows print as "...+00:00" whatever the server's default.
 */
import type pg from "pg";

export async function withUtcSession<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("set time zone 'UTC'");
    return await fn(client);
  } finally {
    // back to the connection's default before it returns to the pool; a broken one is dropped
    await client.query("reset time zone").then(() => client.release(), (err: Error) => client.release(err));
  }
}
