/**
 * The REST API of the original Python builder server, under /api/v1, on plain node:http
 * (a handful of routes do not need a router library), described by openapi.ts. Every route
 * but /status, /catalog, /openapi.json and /docs needs `Authorization: Bearer <key>` with a stored key
 * or one of API_KEYS; without any key every such request is refused with 401 — fail
 * closed, as the original server is. /catalog (the web UI's) is open too: it shows what
 * anonymous GraphQL (ds_reader) may read already.
 *
 * Order of checks, as FastAPI's: route (404, 405), key (401), query parameters (422),
 * version and timestamps (400), then the database (404 unknown dataset, 422 no calendar
 * points, ...: see http-error.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Mount, ServerContext } from "../mount.ts";
import { postBuild } from "./build-route.ts";
import { getDatasets, getStatus } from "./catalog-routes.ts";
import { getCatalog } from "./web-catalog-route.ts";
import { deleteData, getData, type Target } from "./data-route.ts";
import { getDocs, getDocsAsset, getOpenApi } from "./docs-routes.ts";
import { HttpError } from "./http-error.ts";
import { sendError } from "./reply.ts";
import { closePushStreams } from "./push-streams.ts";
import { getStream } from "./stream-route.ts";
import { endPreparedReads } from "./json-read.ts";
import { postData } from "./write-route.ts";
import { pathParams } from "./request-params.ts";

type Handler = (ctx: ServerContext, res: ServerResponse, target: Target, query: URLSearchParams, req: IncomingMessage) => Promise<void> | void;

interface Route {
  method: string;
  path: RegExp;
  open?: boolean;
  handle: Handler;
}

const target = "([^/]+)/([^/]+)";
const routes: Route[] = [
  { method: "GET", path: /^\/api\/v1\/status$/, open: true, handle: (_ctx, res) => getStatus(res) },
  { method: "GET", path: /^\/api\/v1\/openapi\.json$/, open: true, handle: (_ctx, res) => getOpenApi(res) },
  { method: "GET", path: /^\/api\/v1\/docs\/?$/, open: true, handle: (_ctx, res) => getDocs(res) },
  // the asset's file name comes as the target's name (the second group is empty)
  { method: "GET", path: /^\/api\/v1\/docs\/([a-z-]+\.(?:css|js))()$/, open: true, handle: (_ctx, res, asset) => getDocsAsset(res, asset.name) },
  { method: "GET", path: /^\/api\/v1\/datasets$/, handle: (ctx, res) => getDatasets(ctx, res) },
  { method: "GET", path: /^\/api\/v1\/catalog$/, open: true, handle: (ctx, res, _target, query) => getCatalog(ctx, res, query) },
  { method: "POST", path: new RegExp(`^/api/v1/build/${target}$`), handle: postBuild },
  { method: "GET", path: new RegExp(`^/api/v1/data/${target}$`), handle: getData },
  { method: "DELETE", path: new RegExp(`^/api/v1/data/${target}$`), handle: deleteData },
  { method: "POST", path: new RegExp(`^/api/v1/data/${target}$`), handle: postData },
  { method: "GET", path: new RegExp(`^/api/v1/stream/${target}$`), handle: getStream },
];

/** 401 unless the request carries a configured key. */
function authenticate(ctx: ServerContext, req: IncomingMessage): void {
  const headers = { "www-authenticate": "Bearer" };
  if (!ctx.apiKeys.configured) {
    throw new HttpError(401, "no API keys are configured: ds api-key create NAME makes one (or set API_KEYS)", { headers });
  }
  if (!/^Bearer\s+\S+$/i.test(req.headers.authorization ?? "")) throw new HttpError(401, "missing api key", { headers });
  if (ctx.apiKeys.authenticate(req.headers.authorization) === null) throw new HttpError(401, "invalid api key", { headers });
}

export function createRestMount(ctx: ServerContext): Mount {
  return {
    name: "rest",
    async handle(req, res) {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (url.pathname !== "/api/v1" && !url.pathname.startsWith("/api/v1/")) return false;
      try {
        const matching = routes.filter((r) => r.path.test(url.pathname));
        if (matching.length === 0) throw new HttpError(404, "Not Found");
        const method = req.method === "HEAD" ? "GET" : req.method;
        const route = matching.find((r) => r.method === method);
        if (!route) {
          throw new HttpError(405, "Method Not Allowed", { headers: { allow: matching.map((r) => r.method).join(", ") } });
        }
        if (!route.open) authenticate(ctx, req);
        const match = route.path.exec(url.pathname)!;
        const params = match.length > 1 ? pathParams(match) : { name: "", version: "" };
        if (!params) throw new HttpError(404, "Not Found");
        await route.handle(ctx, res, params, url.searchParams, req);
      } catch (err) {
        sendError(res, err, `${req.method} ${url.pathname}`);
      }
      return true;
    },
    async close() {
      await closePushStreams(ctx);
      await ctx.readPool?.end();
      ctx.readPool = undefined;
      await endPreparedReads(ctx);
    },
  };
}
