/**
 * GET /api/v1/catalog[?name=&version=]: the web UI's catalog (ds_server.catalog): per dataset
 * version its kind, rows, coverage of its calendar, stale and in-flight ranges and latest
 * build, beside what ds.datasets holds. Open like /status: it shows what anonymous GraphQL
 * (ds_reader) already may read, and the UI reads without a key.
 */
import type { ServerResponse } from "node:http";
import type { ServerContext } from "../mount.ts";
import { sendJsonText } from "./reply.ts";

const catalogSql = `
  select coalesce(json_agg(json_build_object(
    'name', c.name, 'version', c.version, 'kind', c.kind, 'rows', c.row_count, 'rows_estimated', c.rows_estimated,
    'points', c.points, 'built_points', c.built_points, 'coverage', c.coverage, 'stale', c.stale, 'building', c.building,
    'description', d.description, 'calendar', d.calendar, 'granularity', d.granularity, 'start', d.start_at,
    'tags', d.tags, 'key', d.key, 'schema', d.schema, 'builder', d.builder, 'dependencies', d.dependencies, 'is_newest', d.is_newest,
    'first_built', d.first_built, 'last_built', d.last_built,
    'latest_build', case when c.build_id is null then null else json_build_object('id', c.build_id, 'state', c.build_state,
      'progress', c.build_progress, 'error_code', c.build_error_code, 'created_at', c.build_created_at, 'finished_at', c.build_finished_at) end)
    order by c.ordinality), '[]')::text as datasets
  from ds_server.catalog($1, $2) with ordinality c
  join ds.datasets d on d.name = c.name and d.version = c.version`;

export async function getCatalog(ctx: ServerContext, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const { rows } = await ctx.pool.query<{ datasets: string }>(catalogSql, [query.get("name"), query.get("version")]);
  sendJsonText(res, 200, `{"datasets":${rows[0]!.datasets}}`);
}
