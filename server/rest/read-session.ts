/**
 * The connection of a REST read. Where it can (not behind a transaction pooler), from the
 * REST mount's read pool, whose sessions start in UTC with the request limits
 * (session-pool.ts): the read is then its statements and nothing else. Otherwise from the
 * server's pool with the time zone and limits set and reset around the call (utc-session.ts).
 */
import type pg from "pg";
import { limitsOf, type ServerContext } from "../mount.ts";
import { sqlLimitSettings } from "../request-limits.ts";
import { createSessionPool } from "../session-pool.ts";
import { withUtcSession } from "./utc-session.ts";

/** The read pool of a server context, or null behind a transaction pooler; made once. */
export function readPoolOf(ctx: ServerContext): pg.Pool | null {
  if (ctx.readPool === undefined) {
    const size = (ctx.pool as pg.Pool & { options: { max?: number } }).options.max ?? 10;
    ctx.readPool = ctx.connection?.pooled ? null
      : createSessionPool(ctx.databaseUrl, { TimeZone: "UTC", ...sqlLimitSettings(limitsOf(ctx)) }, size);
  }
  return ctx.readPool;
}

/**
 * `abandoned`: true once the request's HTTP client has gone (clientGone): its statement may
 * have been left half-read (a COPY whose stream nobody drains any more), so the connection
 * is closed instead of going back to the pool, where the next request would queue behind it.
 */
export async function withReadSession<T>(ctx: ServerContext, fn: (client: pg.PoolClient) => Promise<T>, abandoned: () => boolean = () => false): Promise<T> {
  const pool = readPoolOf(ctx);
  if (!pool) return withUtcSession(ctx.pool, fn, sqlLimitSettings(limitsOf(ctx)));
  const client = await pool.connect();
  try {
    return await fn(client);
  } finally {
    // pg-pool also drops a client whose connection broke (not queryable)
    client.release(abandoned() ? new Error("the HTTP client went away during the read") : undefined);
  }
}
