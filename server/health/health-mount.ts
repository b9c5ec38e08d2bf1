/**
 * GET /health (JSON, 200 or 503) and GET /metrics (Prometheus text). Both are open, like
 * /api/v1/status: load balancers and Prometheus scrape them without a key.
 */
import type { ServerResponse } from "node:http";
import type { Mount, ServerContext } from "../mount.ts";
import { checkHealth, type HealthOptions } from "./health-check.ts";
import { readMetrics } from "./metrics.ts";
import { contentType, formatFamilies } from "./prometheus-text.ts";

function send(res: ServerResponse, status: number, type: string, text: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(text), "cache-control": "no-store", ...headers })
    .end(text);
}

export function createHealthMount(ctx: ServerContext, options: HealthOptions = {}): Mount {
  return {
    name: "health",
    async handle(req, res) {
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      if (path !== "/health" && path !== "/metrics") return false;
      if (req.method !== "GET" && req.method !== "HEAD") {
        send(res, 405, "application/json", JSON.stringify({ detail: "Method Not Allowed" }), { allow: "GET, HEAD" });
        return true;
      }
      if (path === "/health") {
        const report = await checkHealth(ctx.pool, options);
        send(res, report.status === "fail" ? 503 : 200, "application/json", JSON.stringify(report));
        return true;
      }
      try {
        send(res, 200, contentType, formatFamilies(await readMetrics(ctx.pool)));
      } catch (err) {
        console.error(`metrics: ${(err as Error).message}`);
        send(res, 503, contentType, `# datastream metrics unavailable: ${(err as Error).message.replace(/\n/g, " ")}\n`);
      }
      return true;
    },
  };
}
