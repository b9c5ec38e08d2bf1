/**
 * The migrator: graphile-worker's schema, then `migrations/` (forward-only, each in its
 * own transaction, its row inserted first, frozen once applied) and `sql/` (every
 * replaceable object, re-applied as a whole when the content of any file changes; the
 * functions of its schemas (ds, ds_private, ds_server, ds_worker) it no longer defines are dropped). A database migrated
 * by newer code is refused (DS044): one with a migration this checkout does not have, or
 * whose sql/ history already holds this checkout's sql/ under a newer one. Several
 * processes may migrate at once: a session advisory lock serialises them. See
 * docs/migrations.md.
 */
import { runMigrations } from "graphile-worker";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type pg from "pg";
import { DsError } from "./errors.ts";
import { projectRoot } from "./project-root.ts";
import { transaction } from "./transaction.ts";

const MIGRATION_LOCK = 7_412_001;
const MIN_SERVER_VERSION = 150000;

export interface MigrateResult {
  applied: string[];
  sqlReapplied: boolean;
}

export interface MigrateOptions {
  /** Re-apply this checkout's sql/ even when the database had it before a newer one (a deliberate rollback). */
  allowDowngrade?: boolean;
}

function sqlFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else if (entry.endsWith(".sql")) out.push(p);
    }
  };
  walk(dir);
  // Views read functions and tables: they go after them; grants go last of all.
  const rank = (p: string) => (isGrants(dir, p, "") ? 2 : relative(dir, p).startsWith("views/") ? 1 : 0);
  return [0, 1, 2].flatMap((r) => out.filter((p) => rank(p) === r));
}

/** A file of sql/grants/ (applied last). `root` is the project root, or the sql/ directory with `sub` "". */
function isGrants(root: string, path: string, sub = "sql/"): boolean {
  return relative(root, path).startsWith(`${sub}grants/`);
}

export async function checkServerVersion(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ v: number }>("select pg_catalog.current_setting('server_version_num')::int as v");
  const v = rows[0]!.v;
  if (v < MIN_SERVER_VERSION) {
    throw new DsError("DS020", `PostgreSQL ${Math.floor(v / 10000)} is not supported`, {
      detail: `server_version_num is ${v}`,
      hint: "datastream needs PostgreSQL 15 to 18",
    });
  }
  return v;
}

/** Bring the database at `pool` up to date; safe to run concurrently. */
export async function migrate(pool: pg.Pool, root = projectRoot(), { allowDowngrade = process.env.DS_ALLOW_DOWNGRADE === "1" }: MigrateOptions = {}): Promise<MigrateResult> {
  const client = await pool.connect();
  const applied: string[] = [];
  let sqlReapplied = false;
  try {
    await checkServerVersion(client);
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await client.query("set client_min_messages = warning");
    await runMigrations({ pgPool: pool, logger: quietLogger });
    await client.query(`create schema if not exists ds_private;
      create table if not exists ds_private.migrations (
        name text primary key, hash text not null, applied_at timestamptz not null default now())`);
    const done = new Map((await client.query<{ name: string; hash: string }>("select name, hash from ds_private.migrations")).rows.map((r) => [r.name, r.hash]));
    const migrationsDir = join(root, "migrations");
    const files = readdirSync(migrationsDir).filter((f) => f.endsWith(".sql")).sort();
    refuseNewerMigrations([...done.keys()], files);
    for (const file of files) {
      const text = readFileSync(join(migrationsDir, file), "utf8");
      if (done.has(file)) {
        if (done.get(file) !== hash(text)) {
          throw new DsError("DS049", `migration ${file} changed after it was applied to this database`, {
            detail: "Migrations are forward-only: an applied file is never edited.",
            hint: "Restore the file and put the change in a new numbered migration (or recreate a development database).",
          });
        }
        continue;
      }
      await transaction(client, async () => {
        await client.query("insert into ds_private.migrations (name, hash) values ($1, $2)", [file, hash(text)]);
        await client.query(text);
      });
      applied.push(file);
    }
    const sqlPaths = sqlFiles(join(root, "sql"));
    const texts = sqlPaths.map((f) => readFileSync(f, "utf8"));
    const sqlHash = hash(sqlPaths.map((f, i) => relative(root, f) + "\0" + texts[i]).join("\0"));
    const { rows } = await client.query<{ value: string }>("select value from ds_private.settings where name = 'sql_hash'");
    if (rows[0]?.value !== sqlHash) {
      if (!allowDowngrade) await refuseOlderSql(client, sqlHash);
      await transaction(client, () => applySql(client, root, sqlPaths, texts, sqlHash));
      sqlReapplied = true;
    }
  } finally {
    await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
  return { applied, sqlReapplied };
}

/** Re-applies every file of sql/ (grants last, stale functions dropped before them) and records its hash; in the caller's transaction. */
async function applySql(client: pg.ClientBase, root: string, paths: string[], texts: string[], sqlHash: string): Promise<void> {
  await client.query("set local check_function_bodies = off");
  let pruned = false;
  for (let i = 0; i < paths.length; i++) {
    // before the grants: they ALTER functions by name (security definer), which would
    // make a removed function look rewritten by this transaction
    if (!pruned && isGrants(root, paths[i]!)) pruned = (await dropStaleFunctions(client), true);
    try {
      await client.query(texts[i]!);
    } catch (err) {
      (err as Error).message = `${relative(root, paths[i]!)}: ${(err as Error).message}`;
      throw err;
    }
  }
  if (!pruned) await dropStaleFunctions(client);
  await client.query(
    `insert into ds_private.settings (name, value) values ('sql_hash', $1)
     on conflict (name) do update set value = excluded.value`,
    [sqlHash],
  );
  await client.query(
    `insert into ds_private.sql_history (hash) values ($1)
     on conflict (hash) do update set applied_at = excluded.applied_at`,
    [sqlHash],
  );
}

/** DS044 when the database has a migration this checkout does not know (newer code migrated it). */
function refuseNewerMigrations(applied: string[], known: string[]): void {
  const unknown = applied.filter((name) => !known.includes(name)).sort();
  if (unknown.length === 0) return;
  throw new DsError("DS044", `this database was migrated by newer code: it has migration ${unknown.join(", ")}, which this checkout does not`, {
    detail: `the newest migration here is ${known.at(-1) ?? "none"}; migrations are never rolled back`,
    hint: "Run the newer datastream against it (or restore a backup taken before the upgrade).",
  });
}

/** DS044 when this sql/ was applied before a newer one (an older checkout would roll functions back). */
async function refuseOlderSql(client: pg.ClientBase, sqlHash: string): Promise<void> {
  const { rows } = await client.query<{ applied_at: Date; newer: Date }>(
    `select h.applied_at, (select max(n.applied_at) from ds_private.sql_history n) as newer
     from ds_private.sql_history h where h.hash = $1`, [sqlHash]);
  const seen = rows[0];
  if (!seen) return;
  throw new DsError("DS044", "this database was migrated by newer code: its sql/ functions are newer than this checkout's", {
    detail: `this checkout's sql/ was applied on ${seen.applied_at.toISOString()}, and replaced on ${seen.newer.toISOString()}`,
    hint: "Run the newer datastream against it; to roll the functions back deliberately, set DS_ALLOW_DOWNGRADE=1 for one ds migrate.",
  });
}

/**
 * Drops the functions and aggregates of ds, ds_private, ds_server and ds_worker that the sql/ just applied did not
 * (re)define: every one it defines was written by this transaction (its pg_proc row's xmin),
 * so the others were removed from sql/. Functions of extensions (dblink) are kept.
 */
async function dropStaleFunctions(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ drop: string }>(`
    select format('drop %s %s', case p.prokind when 'a' then 'aggregate' when 'p' then 'procedure' else 'function' end, p.oid::regprocedure) as drop
    from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
    where n.nspname in ('ds', 'ds_private', 'ds_server', 'ds_worker')
      and p.xmin::text::bigint <> pg_catalog.pg_current_xact_id()::text::bigint % 4294967296
      and not exists (select from pg_catalog.pg_depend d where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
    order by 1`);
  for (const { drop } of rows) {
    try {
      await client.query(drop);
    } catch (err) {
      // 2BP01: a table default, constraint or another schema's object still uses it
      (err as Error).message = `sql/ no longer defines ${drop.replace(/^drop \w+ /, "")}, but it cannot be dropped: ${(err as Error).message}`;
      throw err;
    }
  }
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

import { Logger } from "graphile-worker";
const quietLogger = new Logger(() => () => {});
