/**
 * A mount is one part of the HTTP server (REST, GraphQL, health): it answers the requests
 * it recognises and returns false for the others.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type pg from "pg";
import type { BuilderPool } from "../worker/builder-pool.ts";
import type { ConnectionKind } from "../db/connection-kind.ts";
import type { ApiKeys } from "./api-keys.ts";
import { resolveLimits, type RequestLimits } from "./request-limits.ts";

export interface Mount {
  name: string;
  /** Returns true when it handled (or is handling) the request. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> | boolean;
  /** WebSocket upgrades (GraphQL subscriptions); returns true when it took the socket. */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close?(): Promise<void>;
}

export interface ServerContext {
  /** A pool connected as the installation's own role (the one that ran the migrations). */
  pool: pg.Pool;
  databaseUrl: string;
  apiKeys: ApiKeys;
  /** The builders directory, for dry runs (builders run in a rolled-back transaction). */
  buildersDir: string;
  /** Builder threads of dry runs; made on first use when absent. */
  builders?: BuilderPool;
  /** Per-request limits (request-limits.ts); default: resolveLimits() from the environment. */
  limits?: RequestLimits;
  /** REST reads' pool (rest/read-session.ts): undefined until first used, null behind a transaction pooler. */
  readPool?: pg.Pool | null;
  /** A standby or a transaction pooler at the other end of databaseUrl (no LISTEN on either). */
  connection?: ConnectionKind;
}

/** The limits of a server context, resolved once per context. */
export function limitsOf(ctx: ServerContext): RequestLimits {
  return (ctx.limits ??= resolveLimits());
}
