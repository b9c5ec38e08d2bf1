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

export async function withReadSession<T>(ctx: ServerContext, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const pool = readPoolOf(ctx);
  if (!pool) return withUtcSession(ctx.pool, fn, sqlLimitSettings(limitsOf(ctx)));
  const client = await pool.connect();
  try {
    return await fn(client);
  } finally {
    client.release(); // pg-pool drops a client whose connection broke (not queryable)
  }
}
