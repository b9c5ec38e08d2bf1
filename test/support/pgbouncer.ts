/**
 * A throwaway PgBouncer in transaction mode in front of a test database (Debian's
 * pgbouncer, a config on a free port). `pgbouncer` is undefined where it is not installed:
 * tests skip then, saying so.
 */
import { execFileSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./free-port.ts";
import { postgresDir } from "./pg-cluster.ts";

export const pgbouncer = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"].find((p) => existsSync(p));

/** Starts PgBouncer (as postgres when root: it refuses to run as root) in transaction mode in front of `target`. */
export async function startPgBouncer(target: string): Promise<{ url: (database: string) => string; stop: () => void }> {
  const dir = postgresDir("ds-pgbouncer-");
  const port = await freePort();
  const t = new URL(target);
  const server = `host=${t.hostname} port=${t.port || 5432} user=${decodeURIComponent(t.username) || "postgres"}${t.password ? ` password=${decodeURIComponent(t.password)}` : ""}`;
  const ini = join(dir, "pgbouncer.ini");
  writeFileSync(ini, `[databases]
* = ${server}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 10
max_client_conn = 200
pidfile = ${join(dir, "pgbouncer.pid")}
logfile = ${join(dir, "pgbouncer.log")}
`, { mode: 0o644 });
  const asRoot = process.getuid?.() === 0;
  execFileSync(asRoot ? "runuser" : pgbouncer!, asRoot ? ["-u", "postgres", "--", pgbouncer!, "-d", ini] : ["-d", ini]);
  // -d returns once it has forked; wait until it accepts connections
  for (let i = 0; ; i++) {
    const c = new pg.Client(`postgres://postgres@127.0.0.1:${port}/postgres`);
    try {
      await c.connect();
      await c.end();
      break;
    } catch (err) {
      if (i > 200) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return {
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop() {
      try {
        process.kill(Number(execFileSync("cat", [join(dir, "pgbouncer.pid")], { encoding: "utf8" }).trim()), "SIGTERM");
      } catch {
        // gone already
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
