/**
 * The throwaway database of a benchmark run: a scratch database created (and dropped
 * afterwards) on the server of DATABASE_URL, or else an embedded PostgreSQL 18 in a
 * temporary directory with PostgreSQL's durable defaults (fsync, synchronous_commit and
 * full_page_writes on: the figures are what a deployment gets), removed afterwards. The
 * settings in effect are read back from the server and printed with the figures. Either way it is migrated, its calendars loaded and the bench
 * datasets of bench/builders registered.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { syncCalendars } from "../datasets/sync-calendars.ts";
import { syncDatasets } from "../datasets/sync.ts";
import { startEmbedded } from "../db/embedded.ts";
import { migrate } from "../db/migrate.ts";
import { createPool } from "../db/pool.ts";
import { projectRoot } from "../db/project-root.ts";

export const benchBuilders = join(projectRoot(), "bench", "builders");

export interface BenchDatabase {
  url: string;
  pool: pg.Pool;
  /** What the figures were measured on, e.g. "PostgreSQL 18.4, embedded ... (fsync=on, synchronous_commit=on, full_page_writes=on)". */
  server: string;
  serverVersion: string;
  close(): Promise<void>;
}

/** The settings that decide what a commit costs: printed with every run's figures. */
const DURABILITY = ["fsync", "synchronous_commit", "full_page_writes"];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** settings: extra server settings for the embedded server (ignored with DATABASE_URL). */
export async function openBenchDatabase(options: { settings?: Record<string, string> } = {}): Promise<BenchDatabase> {
  const cleanups: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  try {
    const database = `ds_bench_${process.pid}_${randomBytes(3).toString("hex")}`;
    let adminUrl: string;
    let where: string;
    const given = process.env.DATABASE_URL;
    if (given) {
      adminUrl = given;
      where = `scratch database ${database} on DATABASE_URL's server (its own settings)`;
    } else {
      const dir = mkdtempSync(join(tmpdir(), "ds-bench-"));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      const settings = { ...options.settings };
      const server = await startEmbedded({ dir, port: await freePort(), settings });
      cleanups.push(() => server.stop());
      adminUrl = server.url;
      where = `embedded PostgreSQL in ${dir}`;
    }
    await adminQuery(adminUrl, `create database "${database}"`);
    cleanups.push(() => adminQuery(adminUrl, `drop database if exists "${database}" with (force)`));
    const url = withDatabase(adminUrl, database);
    const pool = createPool(url, { max: 16 });
    cleanups.push(() => pool.end());
    await migrate(pool);
    await syncCalendars(pool);
    await syncDatasets(pool, benchBuilders);
    const { rows } = await pool.query<{ v: string; durability: string }>(
      "select current_setting('server_version') as v, (select string_agg(name || '=' || setting, ', ' order by name) from pg_settings where name = any ($1)) as durability",
      [DURABILITY],
    );
    const serverVersion = rows[0]!.v;
    return { url, pool, server: `PostgreSQL ${serverVersion}, ${where} (${rows[0]!.durability})`, serverVersion, close };
  } catch (err) {
    await close();
    throw err;
  }
}
