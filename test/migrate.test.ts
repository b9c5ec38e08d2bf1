/**
 * The migrator against real, fresh, empty databases: a first run applies everything, a
 * second nothing; several migrators at once agree; a changed sql/ file re-applies sql/ and
 * removed functions go; a database migrated by newer code is refused (DS044); applied
 * migrations are frozen (migrations/checksums.txt).
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { checkServerVersion, migrate } from "../db/migrate.ts";
import { createPool } from "../db/pool.ts";
import { projectRoot } from "../db/project-root.ts";
import { databaseUrl, dropDatabase, withDatabase } from "./support/database-url.ts";

const adminUrl = inject("adminUrl");
const migrationFiles = readdirSync(join(projectRoot(), "migrations")).filter((f) => f.endsWith(".sql")).sort();
const created: string[] = [];
const pools: pg.Pool[] = [];

async function emptyDatabase(label: string): Promise<string> {
  const name = `ds_test_mig_${label}_${randomBytes(4).toString("hex")}_${process.ppid}`;
  await withDatabase(adminUrl, (c) => c.query(`create database "${name}"`));
  created.push(databaseUrl(adminUrl, name));
  return created.at(-1)!;
}

function poolOn(url: string): pg.Pool {
  const pool = createPool(url, { max: 2 });
  pools.push(pool);
  return pool;
}

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  for (const url of created) await dropDatabase(adminUrl, url);
});

/** Everything migrating defines: tables, columns, functions with their bodies, views. */
async function schemaOf(url: string): Promise<string[]> {
  return withDatabase(url, async (c) => {
    const { rows } = await c.query<{ item: string }>(`
      select format('%s.%s.%s %s', table_schema, table_name, column_name, data_type) as item
      from information_schema.columns where table_schema in ('ds', 'ds_private', 'graphile_worker')
      union all
      select format('%s.%s(%s) %s', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), md5(p.prosrc))
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname in ('ds', 'ds_private', 'graphile_worker')
      union all
      select format('migration %s', name) from ds_private.migrations
      order by 1`);
    return rows.map((r) => r.item);
  });
}

describe("the migrator", () => {
  let url = "";

  it("applies every migration and sql/ on an empty database", async () => {
    url = await emptyDatabase("fresh");
    const result = await migrate(poolOn(url));
    expect(result).toEqual({ applied: migrationFiles, sqlReapplied: true });
    const schema = await schemaOf(url);
    expect(schema).toEqual(expect.arrayContaining([expect.stringMatching(/^ds\.build\(dataset text, version text, start_at timestamp with time zone, end_at timestamp with time zone\) /)]));
    expect(schema.filter((s) => s.startsWith("migration "))).toEqual(migrationFiles.map((f) => `migration ${f}`));
  });

  it("applies nothing on a second run", async () => {
    expect(await migrate(poolOn(url))).toEqual({ applied: [], sqlReapplied: false });
  });

  it("lets four migrators on separate connections migrate one empty database at once", async () => {
    const target = await emptyDatabase("four");
    const results = await Promise.all([1, 2, 3, 4].map(() => migrate(poolOn(target))));
    expect(results.flatMap((r) => r.applied).sort()).toEqual(migrationFiles); // each exactly once
    expect(results.filter((r) => r.sqlReapplied)).toHaveLength(1);
    expect(await schemaOf(target)).toEqual(await schemaOf(url));
  });

  it("lets three `ds migrate` processes migrate one empty database at once", async () => {
    const target = await emptyDatabase("procs");
    const outputs = await Promise.all([1, 2, 3].map(() => new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ["cli/main.ts", "migrate", "--database-url", target], { cwd: projectRoot() });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.on("close", (code) => resolve({ code, out }));
    })));
    expect(outputs.map((o) => o.code)).toEqual([0, 0, 0]);
    const counts = outputs.map((o) => Number(o.out.match(/^migrated: (\d+) migration\(s\) applied/)![1]));
    expect(counts.reduce((a, b) => a + b)).toBe(migrationFiles.length);
    expect(outputs.filter((o) => o.out.includes("sql/ re-applied"))).toHaveLength(1);
    expect(await schemaOf(target)).toEqual(await schemaOf(url));
  });

  /** A copy of the project's migrations/ and sql/ to change. */
  function copyOfProject(): string {
    const root = mkdtempSync(join(tmpdir(), "ds-migrate-root-"));
    for (const dir of ["migrations", "sql"]) cpSync(join(projectRoot(), dir), join(root, dir), { recursive: true });
    return root;
  }

  it("re-applies sql/ when the content of one of its files changes, and then refuses the older sql/ (DS044)", async () => {
    const target = await emptyDatabase("older-sql");
    const pool = poolOn(target);
    await migrate(pool);
    const root = copyOfProject();
    try {
      expect(await migrate(pool, root)).toEqual({ applied: [], sqlReapplied: false });
      appendFileSync(join(root, "sql", "build", "build.sql"), "\n-- a harmless comment\n");
      expect(await migrate(pool, root)).toEqual({ applied: [], sqlReapplied: true });
      expect(await migrate(pool, root)).toEqual({ applied: [], sqlReapplied: false });
      // the project's own sql/ is now the older one: an older checkout must not roll the functions back
      await expect(migrate(pool)).rejects.toMatchObject({ code: "DS044", message: expect.stringMatching(/migrated by newer code: its sql\/ functions are newer/) });
      expect(await migrate(pool, projectRoot(), { allowDowngrade: true })).toEqual({ applied: [], sqlReapplied: true });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("refuses a database that has a migration this checkout does not (DS044), and changes nothing", async () => {
    const target = await emptyDatabase("newer");
    const pool = poolOn(target);
    const root = copyOfProject();
    try {
      writeFileSync(join(root, "migrations", "999999_from_the_future.sql"), "create table ds_private.future (id int);\n");
      await migrate(pool, root);
      const before = await schemaOf(target);
      await expect(migrate(pool)).rejects.toMatchObject({
        code: "DS044", message: expect.stringMatching(/migrated by newer code: it has migration 999999_from_the_future\.sql, which this checkout does not/),
      });
      expect(await schemaOf(target)).toEqual(before);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("drops a function removed from sql/ and keeps the extension dblink's", async () => {
    const target = await emptyDatabase("prune");
    const pool = poolOn(target);
    const root = copyOfProject();
    try {
      const extra = join(root, "sql", "build", "zz_extra.sql");
      // a public function too: sql/grants/ alters those by name (security definer), which must not save it
      writeFileSync(extra, "create or replace function ds_private.zz_extra() returns int language sql immutable as 'select 1';\n" +
        "comment on function ds_private.zz_extra() is 'A function that will be removed.';\n" +
        "create or replace function ds.gaps(x int) returns int language sql immutable as 'select 1';\n");
      await migrate(pool, root);
      const has = async (name: string) => (await pool.query("select count(*)::int as n from pg_proc where proname = $1", [name])).rows[0].n;
      expect(await has("zz_extra")).toBe(1);
      const gaps = async () => (await pool.query("select count(*)::int as n from pg_proc where proname = 'gaps' and pronamespace = 'ds'::regnamespace")).rows[0].n;
      expect(await gaps()).toBe(2);
      rmSync(extra);
      expect(await migrate(pool, root)).toEqual({ applied: [], sqlReapplied: true });
      expect(await has("zz_extra")).toBe(0);
      expect(await gaps()).toBe(1);
      expect(await has("dblink")).toBeGreaterThan(0);
      expect(await schemaOf(target)).toEqual(await schemaOf(url));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("keeps every applied migration frozen: migrations/checksums.txt lists each file's SHA-256", () => {
    // editing a merged migration breaks databases that applied it (DS049 there); this fails first, in CI
    const listed = new Map(readFileSync(join(projectRoot(), "migrations", "checksums.txt"), "utf8").trim().split("\n")
      .map((line) => line.split(/\s+/) as [string, string]).map(([sum, file]) => [file, sum]));
    const actual = new Map(migrationFiles.map((f) => [f, createHash("sha256").update(readFileSync(join(projectRoot(), "migrations", f))).digest("hex")]));
    expect(actual, "a new migration: add its line with `sha256sum migrations/NNNNNN_name.sql`; an edited one: restore it").toEqual(listed);
  });

  // The refusal of a server below 15 (DS020) is not tested: no such server runs here, and
  // server_version_num cannot be changed on a real one.
  it("accepts the server it runs on and returns its server_version_num", async () => {
    await withDatabase(url, async (c) => {
      const version = await checkServerVersion(c);
      const { rows } = await c.query<{ version: string }>("select version()");
      expect(rows[0]!.version).toMatch(new RegExp(`^PostgreSQL ${Math.floor(version / 10000)}\\.`));
      expect(version).toBeGreaterThanOrEqual(150000);
    });
  });
});
