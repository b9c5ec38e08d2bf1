/**
 * The JSON read of GET /api/v1/data in one round trip, on a prepared statement of the
 * dataset version: ds_server.read_status (one lookup of the version: its calendar points in
 * range, whether some are not built, ds.data's checks with build-data) and the rows straight
 * from the typed read ds_data.<table>_rows with the text of ds.data's data object, written
 * without building the jsonb (ds_server.data_select_sql), grouped by timestamp into JSON
 * text. Not through ds.data (a
 * PL/pgSQL call that plans its query on each call and holds its rows in a tuplestore),
 * nor separate ds_server.count_points and ds.missing calls. With build-data, only when
 * nothing in range is missing: else the ds.data path builds first.
 *
 * - The statements of a version are made once per server context (a registered version's
 *   table and schema never change) and named after their text, so that each connection
 *   parses one once; two per version: without key filters (the common read), and with.
 * - They run on a pool of their own whose sessions start in UTC with the request limits
 *   and `plan_cache_mode=force_generic_plan`: planning the statement costs more than
 *   running it on a 100-row window, and the generic plan prunes partitions when it starts.
 *   Only these statements run there; not behind a transaction pooler (no named statements).
 * - The answer is byte for byte the one of the ds.data path (data-route.ts); where that
 *   path would do something else the caller takes it (`null`): a build to run first, more
 *   rows than ds.max_rows (ds.data raises DS033), or a statement the database no longer accepts (a table gone
 *   since the text was made: the statement is made again next time).
 *
 * @example
 * const client = await preparedReadPoolOf(ctx)!.connect();
 * const read = await readJson(ctx, client, "w-ticks", "0.1.0", start, end, false, {}, null); // null: through ds.data
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import { limitsOf, type ServerContext } from "../mount.ts";
import { sqlLimitSettings } from "../request-limits.ts";
import { createSessionPool } from "../session-pool.ts";
import { naiveIso } from "./timestamp-sql.ts";

export interface JsonRead {
  /** Calendar points in range, as text. */
  total: string;
  returned: number;
  /** The rows grouped by timestamp, as JSON text. */
  rows: string;
  gaps: boolean;
}

interface Statement {
  name: string;
  text: string;
}

const statements = new WeakMap<ServerContext, Map<string, Statement>>();
const pools = new WeakMap<ServerContext, pg.Pool>();

/** The pool of the prepared reads of a server context (made on first use), or null behind a transaction pooler. */
export function preparedReadPoolOf(ctx: ServerContext): pg.Pool | null {
  if (ctx.connection?.pooled) return null;
  let pool = pools.get(ctx);
  if (!pool) {
    const size = (ctx.pool as pg.Pool & { options: { max?: number } }).options.max ?? 10;
    pool = createSessionPool(ctx.databaseUrl, { TimeZone: "UTC", ...sqlLimitSettings(limitsOf(ctx)), plan_cache_mode: "force_generic_plan" }, size);
    pools.set(ctx, pool);
  }
  return pool;
}

/** Ends the pool of the prepared reads of a server context, if it has one. */
export async function endPreparedReads(ctx: ServerContext): Promise<void> {
  const pool = pools.get(ctx);
  pools.delete(ctx);
  statements.delete(ctx);
  await pool?.end();
}

const grouped = (ts: string, rows: string) => `'{"timestamp" : "' || ${naiveIso(ts)} || '", "data" : [' || ${rows} || ']}'`;

/**
 * Without key filters: $1 name, $2 version, $3 start, $4 end, $5 build, $6 most timestamps
 * (null: all). The rows are read only when the range has calendar points and needs no
 * build first, at most ds.max_rows + 1 of them (`over`: ds.data raises DS033); the JSON text is json_agg's
 * (`[{"timestamp" : "...", "data" : [{...}, {...}]}, ...]`), data in the typed read's order.
 */
export function plainReadSql(dataSelect: string): string {
  return `
  select s.points::text as total, s.gaps, s.build_first, coalesce(g.read > ds_private.max_rows(), false) as over,
         coalesce(g.returned, 0) as returned, coalesce(g.rows, '[]') as rows
  from ds_server.read_status($1, $2, $3, $4, $5) s
  left join lateral (
    select max(g.read) as read, count(*)::integer as returned, '[' || string_agg(${grouped("g.ts", "g.rows")}, ', ' order by g.ts) || ']' as rows
    from (select d.ts, sum(count(*)) over () as read, string_agg(d.data, ', ' order by d.n) as rows
          from (select x.*, row_number() over () as n from (${dataSelect} limit ds_private.max_rows() + 1) x) d
          group by d.ts order by d.ts limit $6) g) g on s.points > 0 and not s.build_first`;
}

/** The key filters of $6 (a JSON object, compared as text) hold for the jsonb `data` (as data-route.ts's). */
const keyFilter = (data: string) => `not exists (select from jsonb_each_text($6::jsonb) f where ${data} ->> f.key is distinct from f.value)`;

/**
 * With key filters: $6 the filters, $7 most timestamps; ds.max_rows counts the rows read
 * before the filters, as ds.data does.
 */
export function filteredReadSql(dataSelect: string): string {
  return `
  with s as materialized (select * from ds_server.read_status($1, $2, $3, $4, $5)),
  r as (select d.ts, d.data, row_number() over () as n
        from (select * from (${dataSelect}) d where (select s.points > 0 and not s.build_first from s) limit ds_private.max_rows() + 1) d),
  g as materialized (select r.ts, count(*) as n_read, string_agg(r.data, ', ' order by r.n) filter (where ${keyFilter("r.data::jsonb")}) as rows
        from r group by r.ts),
  k as (select g.ts, g.rows from g where g.rows is not null order by g.ts limit $7)
  select s.points::text as total, s.gaps, s.build_first,
         (select coalesce(sum(g.n_read), 0) from g) > ds_private.max_rows() as over,
         (select count(*) from k)::integer as returned,
         (select coalesce('[' || string_agg(${grouped("k.ts", "k.rows")}, ', ' order by k.ts) || ']', '[]') from k) as rows
  from s`;
}

async function statementOf(ctx: ServerContext, db: pg.ClientBase, name: string, version: string, filtered: boolean): Promise<Statement> {
  let byVersion = statements.get(ctx);
  if (!byVersion) statements.set(ctx, (byVersion = new Map()));
  const key = `${filtered}\u0000${name}\u0000${version}`;
  let statement = byVersion.get(key);
  if (!statement) {
    // DS001/DS002 for an unknown dataset or version, as the ds.data path
    const { rows } = await db.query<{ sql: string }>("select ds_server.data_select_sql($1, $2) as sql", [name, version]);
    const text = (filtered ? filteredReadSql : plainReadSql)(rows[0]!.sql);
    statement = { name: `ds_rest_read_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`, text };
    byVersion.set(key, statement);
  }
  return statement;
}

/** The JSON read on a connection of preparedReadPoolOf(ctx), or null where the caller must take the ds.data path. */
export async function readJson(ctx: ServerContext, db: pg.ClientBase, name: string, version: string, start: string, end: string,
  build: boolean, filters: Record<string, string>, limit: number | null): Promise<JsonRead | null> {
  const filtered = Object.keys(filters).length > 0;
  const statement = await statementOf(ctx, db, name, version, filtered);
  const values = filtered ? [name, version, start, end, build, JSON.stringify(filters), limit] : [name, version, start, end, build, limit];
  type Row = JsonRead & { over: boolean; build_first: boolean };
  let row: Row;
  try {
    row = (await db.query<Row>({ name: statement.name, text: statement.text, values })).rows[0]!;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    // made for a table that is no longer there (or no longer so): made again next time
    if (typeof code === "string" && (code.startsWith("42") || code === "0A000")) {
      statements.get(ctx)?.delete(`${filtered}\u0000${name}\u0000${version}`);
      return null;
    }
    throw err;
  }
  return row.over || row.build_first ? null : row;
}
