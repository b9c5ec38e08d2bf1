/**
 * The GraphQL mount of `ds serve`: PostGraphile 5 on the shared node:http server.
 *
 * - `POST /graphql` (GraphQL over HTTP), `GET /graphiql` and `GET /graphql` from a
 *   browser (the Ruru GraphiQL page, assets under /graphiql/static/), WebSocket
 *   subscriptions on `/graphql` (graphql-ws).
 * - Requests act as ds_reader (anonymous, reader JWT) or ds_builder (API key, builder
 *   JWT) through `SET ROLE`; a bad credential is a 401 (see auth.ts). Anonymous requests
 *   run on a second pool whose sessions start as ds_reader with the anonymous settings,
 *   without a transaction per request (anonymous-pool.ts); not behind a transaction pooler.
 * - The schema follows the database: a NOTIFY on channel `postgraphile_watch` (any
 *   payload) makes PostGraphile introspect again, e.g. after datasets are registered, so
 *   new dataset versions get their connections without a restart (no event trigger is
 *   installed: whoever creates ds_data tables notifies).
 * - Limits (request-limits.ts): the body size (413), first/last, aliases, depth and cost of
 *   each operation (limits-plugin.ts), a statement timeout for anonymous requests, and
 *   the SQL limits ds.max_rows/ds.max_points; over a limit: `extensions.code = "DS034"`
 *   (DS033 from SQL).
 * - It owns its pg pool (pg's default type parsers: PostGraphile parses values itself)
 *   and one LISTEN connection for subscriptions; `close()` ends both.
 *
 * @example
 * const server = await startHttpServer([await createGraphqlMount(ctx)], { port: 4000 });
 */
import "./graphile-env.ts";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import pg from "pg";
import { postgraphile } from "postgraphile";
import { PgSubscriber } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { limitsOf, type Mount, type ServerContext } from "../mount.ts";
import { sqlLimitSettings } from "../request-limits.ts";
import { createSessionPool } from "../session-pool.ts";
import { makeAnonymousPoolPlugin } from "./anonymous-pool.ts";
import { AuthError, DS_ROLES, makeAuthenticator } from "./auth.ts";
import { maskError } from "./errors.ts";
import { createNotifyStreams } from "./notify-streams.ts";
import { makeLimitsPlugin } from "./limits-plugin.ts";
import { makeDsPreset } from "./preset.ts";
import { QuietSubscriber } from "./quiet-subscriber.ts";
import { makeRequestAuth } from "./request-auth.ts";

export interface GraphqlMountOptions {
  /** HS256 secret of accepted JWTs; default `process.env.JWT_SECRET` (unset: no JWTs). */
  jwtSecret?: string;
  /** Connections of the mount's own pool, and of its anonymous pool (default 10 each). */
  poolSize?: number;
}

const GRAPHQL_PATH = "/graphql";
const GRAPHIQL_PATH = "/graphiql";
const STATIC_PATH = "/graphiql/static/";
/** Server-sent events telling GraphiQL that the schema changed. */
const EVENTS_PATH = "/graphql/stream";

/** Whether the server's role can SET ROLE to ds_reader and ds_builder (migration 000003). */
async function canUseRoles(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ ok: boolean }>(
    `select count(*) = 2 as ok from pg_roles r where r.rolname = any($1) and pg_has_role(current_user, r.oid, 'member')`,
    [DS_ROLES],
  );
  return rows[0]!.ok;
}

/** 413 with a DS034 GraphQL error, before the body is read, when Content-Length is over the limit. */
function bodyTooLarge(req: IncomingMessage, res: ServerResponse, maxBytes: number): boolean {
  const length = Number(req.headers["content-length"] ?? 0);
  if (!(length > maxBytes)) return false;
  const body = JSON.stringify({ errors: [{ message: `the request body has ${length} bytes, over the limit of ${maxBytes} bytes`,
    extensions: { code: "DS034", limit: "maxBodyBytes", max: maxBytes, hint: "Send a smaller operation (persisted fragments, fewer aliases)." } }] });
  res.writeHead(413, { "content-type": "application/json; charset=utf-8", connection: "close" });
  res.end(body);
  req.resume(); // drain what the client sends meanwhile; the connection closes after the answer
  return true;
}

function unauthorized(res: ServerResponse, message: string): void {
  const body = JSON.stringify({ errors: [{ message, extensions: { code: "UNAUTHENTICATED" } }] });
  res.writeHead(401, { "content-type": "application/json; charset=utf-8", "www-authenticate": 'Bearer realm="datastream"' });
  res.end(body);
}

export async function createGraphqlMount(ctx: ServerContext, options: GraphqlMountOptions = {}): Promise<Mount> {
  const poolSize = options.poolSize ?? 10;
  const pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: poolSize });
  pool.on("error", () => {}); // idle clients that lose their server are replaced
  pool.on("connect", (client) => client.on("error", () => {}));
  // a standby cannot LISTEN and a transaction pooler would lose the session: say so once, poll
  const cannotListen = ctx.connection?.inRecovery ? "the database is a read-only standby" : ctx.connection?.pooled ? "the database URL leads to a transaction pooler" : null;
  if (cannotListen) console.warn(`graphql: ${cannotListen}: no LISTEN (buildProgress polls, newRows stays silent, the schema is read at start only)`);
  const pgSubscriber = cannotListen ? new QuietSubscriber(pool) : new PgSubscriber(pool);
  const useRoles = await canUseRoles(pool);
  if (!useRoles) console.warn("graphql: roles ds_reader/ds_builder are missing; requests run as the server's own role");
  const auth = makeRequestAuth(makeAuthenticator({ apiKeys: ctx.apiKeys, jwtSecret: options.jwtSecret ?? process.env.JWT_SECRET }));
  const limits = limitsOf(ctx);
  const sqlLimits = sqlLimitSettings(limits);
  /** The role, the SQL limits, and a statement timeout for anonymous requests. */
  const settingsOf = (who: { role: string; via: string }): Record<string, string> => ({
    ...(useRoles ? { role: who.role } : {}),
    ...sqlLimits,
    ...(who.via === "anonymous" ? { statement_timeout: limits.anonymousStatementTimeout } : {}),
  });
  const pgSettings = (rc: Partial<Grafast.RequestContext>): Record<string, string> => settingsOf(auth.of(rc));
  // a transaction pooler neither takes startup options nor keeps a session's settings
  const anonymousPool = ctx.connection?.pooled ? null
    : createSessionPool(ctx.databaseUrl, settingsOf({ role: "ds_reader", via: "anonymous" }), poolSize, { defaultTypes: true });
  const isAnonymous = (rc: Partial<Grafast.RequestContext>) => {
    try {
      return auth.of(rc).via === "anonymous";
    } catch {
      return false; // a bad WebSocket credential: pgSettings reports it
    }
  };
  const preset: GraphileConfig.Preset = {
    extends: [
      makeDsPreset({
        pool,
        pgSubscriber,
        streams: createNotifyStreams(pool, pgSubscriber, { maxPushRows: limits.maxPushRows }),
        context: (rc) => ({ dsRole: auth.of(rc).role }),
        pgSettings,
      }),
    ],
    plugins: [makeLimitsPlugin(limits), ...(anonymousPool ? [makeAnonymousPoolPlugin({ pool: anonymousPool, isAnonymous })] : [])],
    gather: { installWatchFixtures: false },
    grafserv: {
      watch: true,
      eventStreamPath: EVENTS_PATH,
      graphqlPath: GRAPHQL_PATH,
      graphiql: true,
      graphiqlPath: GRAPHIQL_PATH,
      graphiqlStaticPath: STATIC_PATH,
      graphiqlOnGraphQLGET: true,
      websockets: true,
      maxRequestLength: limits.maxBodyBytes,
      maskError,
      // Grafast writes the response's data as JSON text while it executes (no object tree
      // built, then stringified): about a tenth of a 100-row query's CPU (docs/reads.md)
      outputDataAsString: true,
    },
  };
  const pgl = postgraphile(preset);
  try {
    await pgl.getSchema(); // fail at start, not at the first request
  } catch (err) {
    await pgl.release();
    pgSubscriber.release();
    await pool.end();
    await anonymousPool?.end();
    throw err;
  }
  const serv = pgl.createServ(grafserv);
  const handler = serv.createHandler() as (req: IncomingMessage, res: ServerResponse, next: (err?: Error) => void) => Promise<void>;
  const upgradeHandler = await serv.getUpgradeHandler();
  const sockets = new Set<Duplex>();

  return {
    name: "graphql",
    async handle(req, res) {
      const path = (req.url ?? "/").split("?")[0]!;
      if (path !== GRAPHQL_PATH && path !== GRAPHIQL_PATH && path !== EVENTS_PATH && !path.startsWith(STATIC_PATH)) return false;
      if (path === GRAPHQL_PATH) {
        if (bodyTooLarge(req, res, limits.maxBodyBytes)) return true;
        try {
          auth.http(req);
        } catch (err) {
          if (!(err instanceof AuthError)) throw err;
          unauthorized(res, err.message);
          return true;
        }
      }
      let passed = false;
      let failure: Error | undefined;
      await handler(req, res, (err) => {
        if (err) failure = err;
        else passed = true;
      });
      if (failure) throw failure;
      return !passed;
    },
    upgrade(req, socket, head) {
      if (!upgradeHandler || !serv.shouldHandleUpgrade(req, socket, head)) return false;
      try {
        auth.http(req);
      } catch (err) {
        if (!(err instanceof AuthError)) throw err;
        socket.end(`HTTP/1.1 401 Unauthorized\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${err.message}\n`);
        return true;
      }
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      upgradeHandler(req, socket, head);
      return true;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await pgl.release(); // releases the grafserv instance too
      pgSubscriber.release();
      await pool.end();
      await anonymousPool?.end();
    },
  };
}
