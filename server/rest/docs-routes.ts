/**
 * GET /api/v1/openapi.json and the Swagger UI page at /api/v1/docs, with its two assets
 * served from the swagger-ui-dist package (works offline, no CDN). Open, like /status.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ServerResponse } from "node:http";
import { openApiDocument } from "./openapi.ts";
import { HttpError } from "./http-error.ts";
import { sendJson, sendText } from "./reply.ts";

const assets: Record<string, string> = { "swagger-ui.css": "text/css; charset=utf-8", "swagger-ui-bundle.js": "text/javascript; charset=utf-8" };
const assetDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
let document: unknown;

export function getOpenApi(res: ServerResponse): void {
  sendJson(res, 200, (document ??= openApiDocument()));
}

const page = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>datastream REST API</title><link rel="stylesheet" href="/api/v1/docs/swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="/api/v1/docs/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: "/api/v1/openapi.json", dom_id: "#docs", persistAuthorization: true });</script>
</body>
</html>
`;

export function getDocs(res: ServerResponse): void {
  sendText(res, 200, "text/html; charset=utf-8", page);
}

export function getDocsAsset(res: ServerResponse, file: string): void {
  const type = assets[file];
  if (!type) throw new HttpError(404, "Not Found");
  res.writeHead(200, { "content-type": type, "cache-control": "public, max-age=86400" }).end(readFileSync(join(assetDir, file)));
}
