/** GET /api/v1/status (open) and GET /api/v1/datasets, in the original server's shapes. */
import type { ServerResponse } from "node:http";
import type { ServerContext } from "../mount.ts";
import { sendJson } from "./reply.ts";

export function getStatus(res: ServerResponse): void {
  sendJson(res, 200, { status: "ok" });
}

/** `{datasets: [{name, version, has_data}]}` by name, then semver order. */
export async function getDatasets(ctx: ServerContext, res: ServerResponse): Promise<void> {
  const { rows } = await ctx.pool.query<{ name: string; version: string; has_data: boolean }>(
    "select name, version, has_data from ds_server.list_datasets()");
  sendJson(res, 200, { datasets: rows });
}
