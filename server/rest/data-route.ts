/**
 * GET /api/v1/data/{name}/{version}?start&end[&build-data=true][&format=json|csv] and
 * DELETE /api/v1/data/{name}/{version}?start&end, with the original server's shapes:
 * rows grouped by timestamp, total_timestamps (calendar points in range) and
 * returned_timestamps (timestamps with rows), 206 when build-data=false and some points
 * are not built yet.
 */
import type { ServerResponse } from "node:http";
import type pg from "pg";
import { DsError } from "../../db/errors.ts";
import { formatCsv, parseJsonExact, type Column } from "../../cli/format-rows.ts";
import { limitsOf, type ServerContext } from "../mount.ts";
import { sqlLimitSettings } from "../request-limits.ts";
import { cancelOnClose } from "./cancel-on-close.ts";
import { HttpError } from "./http-error.ts";
import { sendJson, sendJsonText, sendText } from "./reply.ts";
import { boolParam, checkVersion, choiceParam, parseTimestamp, requiredParams } from "./request-params.ts";
import { naiveIso, utcIso } from "./timestamp-sql.ts";
import { withUtcSession } from "./utc-session.ts";

export interface Target {
  name: string;
  version: string;
}

/** One row per timestamp with its rows in key order, as JSON text; `returned` counts them. */
export const groupedRowsSql = `
  select count(*)::integer as returned,
         coalesce(json_agg(json_build_object('timestamp', g.t, 'data', g.rows) order by g.ts), '[]')::text as rows
  from (select d.ts, ${naiveIso("d.ts")} as t, json_agg(d.data order by d.n) as rows
        from ds.data($1, $2, $3, $4, build => $5) with ordinality as d(ts, data, n)
        group by d.ts) g`;

export async function getData(ctx: ServerContext, res: ServerResponse, { name, version }: Target, query: URLSearchParams): Promise<void> {
  const [startText, endText] = requiredParams(query, ["start", "end"]);
  const build = boolParam(query, "build-data", true);
  const format = choiceParam(query, "format", ["json", "csv"] as const, "json");
  checkVersion(version);
  const [start, end] = [parseTimestamp(startText!), parseTimestamp(endText!)];
  const args = [name, version, start, end];
  await withUtcSession(ctx.pool, (db) => cancelOnClose(ctx.pool, db, res, async () => {
    const total = Number((await db.query<{ n: string }>("select ds.count_points($1, $2, $3, $4)::text as n", args)).rows[0]!.n);
    if (total === 0) {
      throw new DsError("DS013", `no valid timestamps in range [${startText}, ${endText}] for ${name} ${version}: the calendar has no points there`, {
        hint: "Widen the range, or check the dataset's calendar and start-date (select * from ds.datasets).",
      });
    }
    const result = format === "csv" ? await readCsv(db, args, build)
      : await db.query<{ returned: number; rows: string }>(groupedRowsSql, [...args, build]);
    // complete when nothing in the range is left to build (a built-empty point is built)
    const complete = build || !(await db.query<{ gaps: boolean }>("select exists (select from ds.missing($1, $2, $3, $4)) as gaps", args)).rows[0]!.gaps;
    const status = complete ? 200 : 206;
    if (typeof result === "string") return sendText(res, status, "text/csv; charset=utf-8", result);
    const { returned, rows } = result.rows[0]!;
    sendJsonText(res, status, `{"dataset_name":${JSON.stringify(name)},"dataset_version":${JSON.stringify(version)},` +
      `"total_timestamps":${total},"returned_timestamps":${returned},"rows":${rows}}`);
  }), sqlLimitSettings(limitsOf(ctx)));
}

const numericTypes = new Set(["int", "float", "numeric"]);

/** CSV like `ds data --format csv`: a header of ts and the schema's fields, ts in ISO 8601 UTC. */
async function readCsv(db: pg.ClientBase, args: string[], build: boolean): Promise<string> {
  const { rows } = await db.query<{ ts: string; data: string }>(
    `select ${utcIso("d.ts")} as ts, d.data::text as data from ds.data($1, $2, $3, $4, build => $5) d`, [...args, build]);
  const { rows: meta } = await db.query<{ schema: { name: string; type: string }[] }>(
    "select schema from ds.datasets where name = $1 and version = $2", args.slice(0, 2));
  const fields = meta[0]!.schema;
  const columns: Column[] = [{ name: "ts" }, ...fields.map((f) => ({ name: f.name, right: numericTypes.has(f.type) }))];
  return formatCsv(columns, rows.map((row) => {
    const record = parseJsonExact(row.data) as Record<string, unknown>;
    return [row.ts, ...fields.map((f) => {
      const v = record[f.name];
      return f.type === "timestamp" && typeof v === "string" ? v.replace(/\+00:00$/, "Z") : v;
    })];
  }));
}

export async function deleteData(ctx: ServerContext, res: ServerResponse, { name, version }: Target, query: URLSearchParams): Promise<void> {
  const [startText, endText] = requiredParams(query, ["start", "end"]);
  checkVersion(version);
  const [start, end] = [parseTimestamp(startText!), parseTimestamp(endText!)];
  const client = await ctx.pool.connect();
  let done = false;
  try {
    await client.query("begin");
    const { rows } = await client.query<{ deleted: number; first: string | null; last: string | null }>(
      `select deleted::float8 as deleted, ${naiveIso("first_ts")} as first, ${naiveIso("last_ts")} as last from ds.delete($1, $2, $3, $4)`,
      [name, version, start, end]);
    const { deleted, first, last } = rows[0]!;
    if (deleted === 0) {
      // like the original: nothing to delete is a 404, and then nothing changes at all
      throw new HttpError(404, `no data for ${name}/${version} in [${startText}, ${endText}]`);
    }
    await client.query("commit");
    done = true;
    sendJson(res, 200, { dataset_name: name, dataset_version: version, rows_deleted: deleted, start: first, end: last });
  } finally {
    if (done) client.release();
    else await client.query("rollback").then(() => client.release(), (err: Error) => client.release(err));
  }
}
