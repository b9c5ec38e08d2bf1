/**
 * GET /api/v1/data/{name}/{version}?start&end[&build-data=true][&format=json|csv|parquet] and
 * DELETE /api/v1/data/{name}/{version}?start&end, with the original server's shapes:
 * rows grouped by timestamp, total_timestamps (calendar points in range) and
 * returned_timestamps (timestamps with rows), 206 when build-data=false and some points
 * are not built yet. format=parquet streams a Parquet file (common/parquet-export.ts).
 */
import type { ServerResponse } from "node:http";
import type pg from "pg";
import { DsError } from "../../db/errors.ts";
import { withTransaction } from "../../db/transaction.ts";
import { formatCsv, parseJsonExact, type Column } from "../../common/format-rows.ts";
import { parquetSource, writeParquet } from "../../common/parquet-export.ts";
import type { ServerContext } from "../mount.ts";
import { cancelOnClose, clientGone } from "./cancel-on-close.ts";
import { HttpError } from "./http-error.ts";
import { sendJson, sendJsonText, sendText } from "./reply.ts";
import { boolParam, choiceParam, parseTimestamp, positiveIntParam, requiredParams } from "./request-params.ts";
import { naiveIso, utcIso } from "./timestamp-sql.ts";
import { keyFilters } from "./key-filters.ts";
import { withReadSession } from "./read-session.ts";
import { preparedReadPoolOf, readJson, type JsonRead } from "./json-read.ts";

export interface Target {
  name: string;
  version: string;
}

/**
 * One row per timestamp with its rows in key order, as JSON text; `returned` counts them.
 * `where`: a condition on the read. With `filtered`, $6 is a JSON object of key filters
 * ({"ticker": "MSFT"}, compared as text) and $7 the most timestamps to return (null: all).
 */
function groupedRows(where = "true", filtered = false): string {
  return `
  select count(*)::integer as returned,
         coalesce(json_agg(json_build_object('timestamp', g.t, 'data', g.rows) order by g.ts), '[]')::text as rows
  from (select d.ts, ${naiveIso("d.ts")} as t, json_agg(d.data order by d.n) as rows
        from ds.data($1, $2, $3, $4, build => $5) with ordinality as d(ts, data, n)
        where ${where}${filtered ? ` and ${keyFilter("d.data")}` : ""}
        group by d.ts${filtered ? " order by d.ts limit $7" : ""}) g`;
}
export const groupedRowsSql = groupedRows();

/** The key filters of $6 (a JSON object) hold for the jsonb `data`. */
const keyFilter = (data: string) => `not exists (select from jsonb_each_text($6::jsonb) f where ${data} ->> f.key is distinct from f.value)`;

/**
 * The JSON read in one statement (one round trip): the calendar points first (the rows are
 * read only when there are some: a gating filter), then the grouped rows, then whether a
 * gap is left (not with build-data, which built them).
 */
export const jsonReadSql = `
  select c.n::text as total, g.returned, g.rows,
         case when $5 or c.n = 0 then false else exists (select from ds.missing($1, $2, $3, $4)) end as gaps
  from (select ds_server.count_points($1, $2, $3, $4) as n) c
  left join lateral (${groupedRows("c.n > 0", true)}) g on true`;

/**
 * interval=5m: OHLC bars resampled on the fly (ds.bars at the granularity $8, by every key field, $9), grouped
 * by bar like the rows; total_timestamps then counts the bars. With build-data the range is
 * built first, in a statement of its own (ds.bars reads in its caller's snapshot).
 */
const barsReadSql = `
  select c.n::text as points, g.returned::text as total, g.returned, g.rows,
         case when $5 or c.n = 0 then false else exists (select from ds.missing($1, $2, $3, $4)) end as gaps
  from (select ds_server.count_points($1, $2, $3, $4) as n) c, (
    select count(*)::integer as returned,
           coalesce(json_agg(json_build_object('timestamp', g.t, 'data', g.rows) order by g.ts), '[]')::text as rows
    from (select b.ts, ${naiveIso("b.ts")} as t,
                 json_agg(b.key || jsonb_build_object('open', b.open, 'high', b.high, 'low', b.low, 'close', b.close,
                                                      'volume', b.volume, 'trades', b.trades) order by b.key::text) as rows
          from ds.bars($1, $2, $8, $3, $4, $9::text[]) b
          where ${keyFilter("b.key")}
          group by b.ts order by b.ts limit $7) g) g`;

const known = new Set(["start", "end", "build-data", "format", "limit", "interval"]);

function noPoints(name: string, version: string, startText: string, endText: string): DsError {
  // "no valid timestamps in range": the original builder server's words
  return new DsError("DS013", `no valid timestamps in range [${startText}, ${endText}] for ${name} ${version}: the calendar has no points there`, {
    hint: "Widen the range, or check the dataset's calendar and start-date (select * from ds.datasets).",
  });
}

export async function getData(ctx: ServerContext, res: ServerResponse, { name, version }: Target, query: URLSearchParams): Promise<void> {
  const [startText, endText] = requiredParams(query, ["start", "end"]);
  const build = boolParam(query, "build-data", true);
  const format = choiceParam(query, "format", ["json", "csv", "parquet"] as const, "json");
  const limit = positiveIntParam(query, "limit");
  const interval = query.get("interval");
  if (interval !== null && format !== "json") throw new HttpError(422, `interval answers JSON only: drop format=${format}`);
  const [start, end] = [parseTimestamp(startText!), parseTimestamp(endText!)];
  const args = [name, version, start, end];
  const answer = (read: JsonRead & { points?: string }) => {
    if (Number(read.points ?? read.total) === 0) throw noPoints(name, version, startText!, endText!);
    // complete when nothing in the range is left to build (a built-empty point is built)
    sendJsonText(res, read.gaps ? 206 : 200, `{"dataset_name":${JSON.stringify(name)},"dataset_version":${JSON.stringify(version)},` +
      `"total_timestamps":${read.total},"returned_timestamps":${read.returned},"rows":${read.rows}}`);
  };
  // JSON rows: a prepared statement of the version (json-read.ts), unless it declines (a build to run first, ...)
  const prepared = format === "json" && interval === null ? preparedReadPoolOf(ctx) : null;
  if (prepared) {
    const client = await prepared.connect();
    try {
      const read = await cancelOnClose(ctx.pool, client, res, async () => {
        const { filters } = await keyFilters(client, name, version, query, known);
        return readJson(ctx, client, name, version, start!, end!, build, filters, limit);
      });
      if (read) return answer(read);
    } finally {
      client.release(clientGone(res) ? new Error("the HTTP client went away during the read") : undefined);
    }
  }
  await withReadSession(ctx, (db) => cancelOnClose(ctx.pool, db, res, async () => {
    const { filters, key } = await keyFilters(db, name, version, query, known, { needKey: query.get("interval") !== null });
    if (format === "parquet") return sendParquet(db, res, args, build, startText!, endText!, filters, limit);
    if (format === "csv") {
      const total = Number((await db.query<{ n: string }>("select ds_server.count_points($1, $2, $3, $4)::text as n", args)).rows[0]!.n);
      if (total === 0) throw noPoints(name, version, startText!, endText!);
      const csv = await readCsv(db, args, build, filters, limit);
      const complete = build || !(await db.query<{ gaps: boolean }>("select exists (select from ds.missing($1, $2, $3, $4)) as gaps", args)).rows[0]!.gaps;
      return sendText(res, complete ? 200 : 206, "text/csv; charset=utf-8", csv);
    }
    if (interval !== null && build) await db.query("select count(*) from ds.data($1, $2, $3, $4, build => true)", args);
    type Read = JsonRead & { points?: string };
    const read = interval === null
      ? db.query<Read>(jsonReadSql, [...args, build, JSON.stringify(filters), limit])
      : db.query<Read>(barsReadSql, [...args, build, JSON.stringify(filters), limit, interval, key]);
    answer((await read).rows[0]!);
  }), () => clientGone(res));
}

const numericTypes = new Set(["int", "float", "numeric"]);

/**
 * The rows as a Parquet file, streamed (Transfer-Encoding: chunked) one row group at a
 * time, and not held to DS_MAX_ROWS (that limit guards bodies built in memory); 206 when
 * points are left unbuilt. Whole files only: no key filter, no limit (422). An error after
 * the first bytes ends the response without its footer, which no reader takes for a file.
 */
async function sendParquet(db: pg.ClientBase, res: ServerResponse, [name, version, start, end]: string[], build: boolean,
  startText: string, endText: string, filters: Record<string, string>, limit: number | null): Promise<void> {
  const extra = Object.keys(filters)[0] ?? (limit !== null ? "limit" : undefined);
  if (extra !== undefined) throw new HttpError(422, `format=parquet answers the whole range: drop ${extra}`);
  const total = Number((await db.query<{ n: string }>("select ds_server.count_points($1, $2, $3, $4)::text as n", [name, version, start, end])).rows[0]!.n);
  if (total === 0) throw noPoints(name!, version!, startText, endText);
  const source = await parquetSource(db, name!, version!, start!, end!, build);
  res.writeHead(source.gaps ? 206 : 200, {
    "content-type": "application/vnd.apache.parquet",
    "content-disposition": `attachment; filename="${`${name}-${version}`.replace(/[^A-Za-z0-9._-]/g, "_")}.parquet"`,
  });
  await writeParquet(db, source, res);
}

/** CSV like `ds data --format csv`: a header of ts and the schema's fields, ts in ISO 8601 UTC. */
async function readCsv(db: pg.ClientBase, args: string[], build: boolean, filters: Record<string, string>, limit: number | null): Promise<string> {
  const { rows } = await db.query<{ ts: string; data: string }>(
    `select ${utcIso("d.ts")} as ts, d.data::text as data from ds.data($1, $2, $3, $4, build => $5) d
     where ${keyFilter("d.data")} and ($7::integer is null or d.ts <= (select max(t.ts) from (select distinct x.ts from ds.data($1, $2, $3, $4) x
       where ${keyFilter("x.data")} order by x.ts limit $7) t))`, [...args, build, JSON.stringify(filters), limit]);
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
  const [start, end] = [parseTimestamp(startText!), parseTimestamp(endText!)];
  const { deleted, first, last } = await withTransaction(ctx.pool, async (client) => {
    const { rows } = await client.query<{ deleted: number; first: string | null; last: string | null }>(
      `select deleted::float8 as deleted, ${naiveIso("first_ts")} as first, ${naiveIso("last_ts")} as last from ds.delete($1, $2, $3, $4)`,
      [name, version, start, end]);
    // like the original: nothing to delete is a 404, and then nothing changes at all (rolled back)
    if (rows[0]!.deleted === 0) throw new HttpError(404, `no data for ${name}/${version} in [${startText}, ${endText}]`);
    return rows[0]!;
  });
  sendJson(res, 200, { dataset_name: name, dataset_version: version, rows_deleted: deleted, start: first, end: last });
}
