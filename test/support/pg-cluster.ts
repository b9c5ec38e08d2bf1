/**
 * Throwaway PostgreSQL servers made from the machine's own binaries (Debian's
 * /usr/lib/postgresql/<major>/bin): a primary from initdb and a hot standby from
 * `pg_basebackup -R`, in a temporary directory, on free ports, run as user postgres when
 * the tests run as root. `findPgBin()` is null where there are no such binaries: tests skip
 * then, saying so.
 */
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";

export function findPgBin(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const majors = readdirSync(root).filter((v) => /^\d+$/.test(v) && Number(v) >= 15).sort((a, b) => Number(a) - Number(b));
  const found = majors.map((v) => join(root, v, "bin")).find((bin) => ["initdb", "pg_ctl", "pg_basebackup"].every((b) => existsSync(join(bin, b))));
  return found ?? null;
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary (as postgres when we are root). */
export function pgRun(bin: string, tool: string, args: string[]): string {
  const [cmd, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", join(bin, tool), ...args]] : [join(bin, tool), args];
  return execFileSync(cmd, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** A temporary directory the postgres user owns. */
export function postgresDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  return dir;
}

export interface PgServer {
  port: number;
  dataDir: string;
  url(database?: string): string;
  stop(): void;
}

const fast = ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", "-c listen_addresses=127.0.0.1"];

function start(bin: string, dir: string, dataDir: string, port: number, extra: string[] = []): PgServer {
  const options = [...fast, `-c port=${port}`, `-c unix_socket_directories=${dir}`, ...extra].join(" ");
  pgRun(bin, "pg_ctl", ["-D", dataDir, "-o", options, "-l", `${dataDir}.log`, "-w", "-t", "60", "start"]);
  return {
    port,
    dataDir,
    url: (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop() {
      try {
        pgRun(bin, "pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"]);
      } catch {
        // already stopped
      }
    },
  };
}

export interface ReplicaPair {
  primary: PgServer;
  /** Made on demand, after the primary holds what the standby should start with. */
  makeStandby(settings?: Record<string, string>): Promise<PgServer>;
  stop(): void;
}

/** A primary (trust authentication on 127.0.0.1, replication allowed) in a fresh directory. */
export async function startPrimary(bin: string): Promise<ReplicaPair> {
  const dir = postgresDir("ds-replica-");
  const primaryDir = join(dir, "primary");
  pgRun(bin, "initdb", ["-D", primaryDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync"]);
  const primary = start(bin, dir, primaryDir, await freePort());
  const servers: PgServer[] = [primary];
  return {
    primary,
    async makeStandby(settings = {}) {
      const standbyDir = join(dir, "standby");
      pgRun(bin, "pg_basebackup", ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", standbyDir, "-R", "-X", "stream", "-c", "fast", "--no-sync"]);
      const conf = Object.entries(settings).map(([k, v]) => `${k} = '${v}'\n`).join("");
      if (conf) appendFileSync(join(standbyDir, "postgresql.auto.conf"), conf);
      const standby = start(bin, dir, standbyDir, await freePort());
      servers.push(standby);
      return standby;
    },
    stop() {
      for (const s of servers.reverse()) s.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes a file into a postgres-owned directory (readable by the postgres user). */
export function writePostgresFile(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o644 });
}
