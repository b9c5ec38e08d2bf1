/**
 * POST /api/v1/build/{name}/{version}?start&end[&dry-run=true][&wait=false]. Like the
 * original server, the answer comes once the build has ended, exactly {"status": "ok"}
 * (a client that builds then reads gets its rows); a failed build is a 500 with its error
 * (DS021), one still running after DS_BUILD_WAIT (5 minutes) a 504 (DS016) naming the
 * build, which goes on. wait=false answers at once, 202 {"status": "ok", "build": {...}}
 * (its row of ds.builds), to follow with GraphQL or ds.wait. dry-run=true runs the real
 * builders in a transaction that is rolled back and answers the rows of the range; it takes
 * no dataset locks (real builds go on meanwhile), is limited to ds.max_points points, and
 * stops when the client disconnects.
 */
import type { ServerResponse } from "node:http";
import type pg from "pg";
import { BuilderPool } from "../../worker/builder-pool.ts";
import { dryRunBuild } from "../../worker/dry-run.ts";
import { limitsOf, type ServerContext } from "../mount.ts";
import { sqlLimitSettings } from "../request-limits.ts";
import { cancelOnClose } from "./cancel-on-close.ts";
import { groupedRowsSql, type Target } from "./data-route.ts";
import { HttpError } from "./http-error.ts";
import { sendJson, sendJsonText } from "./reply.ts";
import { boolParam, checkVersion, parseTimestamp, requiredParams } from "./request-params.ts";
import { naiveIso } from "./timestamp-sql.ts";

const buildSql = `
  select b.id::float8 as id, b.dataset, b.version, ${naiveIso("b.start_at")} as "start", ${naiveIso("b.end_at")} as "end", b.state,
         b.progress, b.tasks, b.points::float8 as points,
         b.points_built::float8 as points_built, b.rows_written::float8 as rows_written, b.error,
         ${naiveIso("b.created_at")} as created_at, ${naiveIso("b.started_at")} as started_at, ${naiveIso("b.finished_at")} as finished_at
  from ds.builds b where b.id = $1`;

export interface BuildJson {
  id: number;
  state: string;
  error: string | null;
  [field: string]: unknown;
}

export async function postBuild(ctx: ServerContext, res: ServerResponse, { name, version }: Target, query: URLSearchParams): Promise<void> {
  const [startText, endText] = requiredParams(query, ["start", "end"]);
  const dryRun = boolParam(query, "dry-run", false);
  const wait = boolParam(query, "wait", true);
  checkVersion(version);
  const args = [name, version, parseTimestamp(startText!), parseTimestamp(endText!)];
  if (dryRun) return dryRunRows(ctx, res, args);
  const id = (await ctx.pool.query<{ id: number }>("select ds.build($1, $2, $3, $4) as id", args)).rows[0]!.id;
  if (!wait) return sendJson(res, 202, { status: "ok", build: (await ctx.pool.query<BuildJson>(buildSql, [id])).rows[0]! });
  await waitFor(ctx, res, id);
  const build = (await ctx.pool.query<BuildJson>(buildSql, [id])).rows[0]!;
  if (build.state !== "succeeded") {
    const detail = `build ${id} of ${name} ${version} ${build.state}: ${build.error ?? "no error recorded"}`;
    throw new HttpError(500, detail, { body: { detail, code: "DS021", build } });
  }
  sendJson(res, 200, { status: "ok" });
}

/** ds.wait on a connection of its own, cancelled when the client goes (the build goes on). */
async function waitFor(ctx: ServerContext, res: ServerResponse, id: number): Promise<void> {
  const client = await ctx.pool.connect();
  try {
    await cancelOnClose(ctx.pool, client, res, () => client.query("select ds.wait($1, $2::interval)", [id, limitsOf(ctx).buildWait]));
  } finally {
    client.release();
  }
}

/** The dry run: plan and run every chunk on one connection, read the range, roll back. */
async function dryRunRows(ctx: ServerContext, res: ServerResponse, args: string[]): Promise<void> {
  const [name, version, start, end] = args as [string, string, string, string];
  const client: pg.PoolClient = await ctx.pool.connect();
  try {
    await client.query("begin");
    await client.query("set local time zone 'UTC'");
    for (const [setting, value] of Object.entries(sqlLimitSettings(limitsOf(ctx)))) {
      await client.query("select pg_catalog.set_config($1, $2, true)", [setting, value]);
    }
    const rows = await cancelOnClose(ctx.pool, client, res, async (signal) => {
      await dryRunBuild(client, (ctx.builders ??= new BuilderPool({ size: 2 })), ctx.buildersDir, name, version, start, end, { signal });
      return (await client.query<{ rows: string }>(groupedRowsSql, [...args, false])).rows[0]!.rows;
    });
    sendJsonText(res, 200, `{"dataset_name":${JSON.stringify(name)},"dataset_version":${JSON.stringify(version)},` +
      `"dry_run":true,"rows":${rows}}`);
  } finally {
    await client.query("rollback").then(() => client.release(), (err: Error) => client.release(err));
  }
}
