/**
 * The migrator: graphile-worker's schema, then `migrations/` (forward-only, each in its
 * own transaction, its row inserted first) and `sql/` (every replaceable object,
 * re-applied as a whole when the content of any file changes). Several processes may
 * migrate at once: a session advisory lock serialises them.
 */
import { runMigrations } from "graphile-worker";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type pg from "pg";
import { DsError } from "./errors.ts";
import { projectRoot } from "./project-root.ts";

const MIGRATION_LOCK = 7_412_001;
const MIN_SERVER_VERSION = 150000;

export interface MigrateResult {
  applied: string[];
  sqlReapplied: boolean;
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
  const rank = (p: string) => (relative(dir, p).startsWith("grants/") ? 2 : relative(dir, p).startsWith("views/") ? 1 : 0);
  return [0, 1, 2].flatMap((r) => out.filter((p) => rank(p) === r));
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
export async function migrate(pool: pg.Pool, root = projectRoot()): Promise<MigrateResult> {
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
    for (const file of readdirSync(migrationsDir).filter((f) => f.endsWith(".sql")).sort()) {
      const text = readFileSync(join(migrationsDir, file), "utf8");
      if (done.has(file)) {
        if (done.get(file) !== hash(text)) {
          throw new DsError("DS020", `migration ${file} changed after it was applied to this database`, {
            detail: "Migrations are forward-only: an applied file is never edited.",
            hint: "Restore the file and put the change in a new numbered migration (or recreate a development database).",
          });
        }
        continue;
      }
      await client.query("begin");
      try {
        await client.query("insert into ds_private.migrations (name, hash) values ($1, $2)", [file, hash(text)]);
        await client.query(text);
        await client.query("commit");
        applied.push(file);
      } catch (err) {
        await client.query("rollback");
        throw err;
      }
    }
    const files = sqlFiles(join(root, "sql"));
    const texts = files.map((f) => readFileSync(f, "utf8"));
    const sqlHash = hash(files.map((f, i) => relative(root, f) + "\0" + texts[i]).join("\0"));
    const { rows } = await client.query<{ value: string }>("select value from ds_private.settings where name = 'sql_hash'");
    if (rows[0]?.value !== sqlHash) {
      await client.query("begin");
      try {
        await client.query("set local check_function_bodies = off");
        for (let i = 0; i < files.length; i++) {
          try {
            await client.query(texts[i]!);
          } catch (err) {
            (err as Error).message = `${relative(root, files[i]!)}: ${(err as Error).message}`;
            throw err;
          }
        }
        await client.query(
          `insert into ds_private.settings (name, value) values ('sql_hash', $1)
           on conflict (name) do update set value = excluded.value`,
          [sqlHash],
        );
        await client.query("commit");
        sqlReapplied = true;
      } catch (err) {
        await client.query("rollback");
        throw err;
      }
    }
  } finally {
    await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
  return { applied, sqlReapplied };
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

import { Logger } from "graphile-worker";
const quietLogger = new Logger(() => () => {});
