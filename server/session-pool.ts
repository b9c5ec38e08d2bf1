/**
 * A pool whose connections carry their settings from the start: PostgreSQL applies the
 * startup parameter `options` (`-c name=value ...`, what PGOPTIONS sets) when the session
 * begins, so a request on such a connection needs no SET, no transaction and no RESET —
 * one round trip for one statement. Settings given this way are also the session's reset
 * values: `RESET ROLE` or `RESET ALL` return to them, never to the login role's defaults.
 *
 * Used by anonymous GraphQL requests (role ds_reader, statement_timeout, the SQL limits)
 * and by REST reads (TimeZone UTC, the SQL limits). Not for a transaction pooler
 * (PgBouncer refuses the `options` parameter and would mix sessions anyway): callers fall
 * back to per-request settings there.
 *
 * @example
 * const pool = createSessionPool(url, { role: "ds_reader", statement_timeout: "10s" }, 10);
 */
import pg from "pg";
import { createPool } from "../db/pool.ts";

/** `-c name=value` for each setting; spaces and backslashes escaped as libpq's options parser expects. */
export function startupOptions(settings: Record<string, string>): string {
  const escape = (text: string) => text.replace(/[\\ ]/g, (c) => `\\${c}`);
  return Object.entries(settings).map(([name, value]) => `-c ${escape(name)}=${escape(value)}`).join(" ");
}

export interface SessionPoolOptions {
  /** pg's default type parsers (PostGraphile parses values itself) instead of datastream's (db/pool.ts). */
  defaultTypes?: boolean;
}

export function createSessionPool(databaseUrl: string, settings: Record<string, string>, max: number, options: SessionPoolOptions = {}): pg.Pool {
  const config: pg.PoolConfig = { connectionString: databaseUrl, max, options: startupOptions(settings) };
  if (!options.defaultTypes) return createPool(databaseUrl, config);
  const pool = new pg.Pool(config);
  pool.on("error", () => {}); // idle clients that lose their server are replaced
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}
