/**
 * The whole HTTP server of `ds serve` and `ds up`: the web UI at `/`, REST (seed-compatible),
 * health and metrics, and GraphQL with subscriptions, on one port.
 */
import type pg from "pg";
import { BuilderPool } from "../worker/builder-pool.ts";
import { inspectConnection, type ConnectionKind } from "../db/connection-kind.ts";
import { parseApiKeys } from "./api-keys.ts";
import { liveApiKeys } from "./stored-api-keys.ts";
import { createGraphqlMount } from "./graphql/mount.ts";
import { createHealthMount } from "./health/health-mount.ts";
import { startHttpServer, type RunningServer } from "./http-server.ts";
import type { ServerContext } from "./mount.ts";
import { createRestMount } from "./rest/rest-mount.ts";
import { createWebMount } from "./web/web-mount.ts";
import { resolveLimits, type RequestLimits } from "./request-limits.ts";

export interface ServeOptions {
  pool: pg.Pool;
  databaseUrl: string;
  buildersDir: string;
  host?: string;
  port?: number;
  /** Per-request limits; each unset one falls back to its DS_* environment variable, then its default. */
  limits?: Partial<RequestLimits>;
  /** Connections of each GraphQL pool (default 10; see graphql/mount.ts). */
  graphqlPoolSize?: number;
  /** What is at databaseUrl (a standby, a pooler); found out at start when not given. */
  connection?: ConnectionKind;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const connection = options.connection ?? await inspectConnection(options.databaseUrl);
  const apiKeys = await liveApiKeys(options.pool, parseApiKeys(process.env.API_KEYS), {
    url: options.databaseUrl, listen: !connection.inRecovery && !connection.pooled,
  });
  const ctx: ServerContext = {
    pool: options.pool,
    databaseUrl: options.databaseUrl,
    apiKeys,
    buildersDir: options.buildersDir,
    // dry runs run builders in threads too: a hanging builder cannot take the server down
    builders: new BuilderPool({ size: 2 }),
    limits: resolveLimits(options.limits),
    connection,
  };
  const builderThreads = { name: "builder threads", handle: () => false, close: () => ctx.builders!.close() };
  const keyListener = { name: "API keys", handle: () => false, close: () => apiKeys.close() };
  const mounts = [createWebMount(), createHealthMount(ctx), createRestMount(ctx), await createGraphqlMount(ctx, { poolSize: options.graphqlPoolSize }), builderThreads, keyListener];
  return startHttpServer(mounts, { host: options.host, port: options.port });
}
