/**
 * The scale-out pieces of docs/scale-out.md, run for real without Docker: the primary's
 * replication script (deploy/postgres/init-replication.sh) on a throwaway primary made with
 * the machine's initdb, a hot standby started by deploy/postgres/standby.sh (pg_basebackup
 * -R with its own slot), a `ds serve` on each, and Caddy (Debian's caddy) with
 * deploy/Caddyfile in front: HTTPS from its local CA, REST reads answered by the standby's
 * server, writes by the primary's.
 *
 * It makes its own servers whatever DATABASE_URL says, so it runs once (the embedded run).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../db/pool.ts";
import { projectRoot } from "../db/project-root.ts";
import { generateApiKey } from "../server/api-keys.ts";
import { freePort } from "./support/free-port.ts";
import { findPgBin, pgRun, postgresDir, startPrimary, type ReplicaPair } from "./support/pg-cluster.ts";
import { caughtUp, migratedPrimary } from "./support/replica-fixture.ts";
import { until } from "./support/until.ts";
import { fixtureBuilders } from "./support/worker-fixture.ts";

const bin = findPgBin();
const caddy = ["/usr/bin/caddy", "/usr/local/bin/caddy"].find((p) => existsSync(p));
const reason = process.env.DATABASE_URL ? "it makes its own servers: it ran in the run on the embedded database"
  : !bin ? "no PostgreSQL binaries (initdb, pg_basebackup) under /usr/lib/postgresql" : "Debian's caddy is not installed";
const skip = !bin || !caddy || Boolean(process.env.DATABASE_URL);
if (skip) console.warn(`test/scale-out.test.ts skipped: ${reason}`);

const root = projectRoot();
const asRoot = process.getuid?.() === 0;

/** A long-running process; resolves once its output matches `ready`. */
function daemon(command: string, args: string[], ready: RegExp, env: Record<string, string> = {}): Promise<ChildProcess & { output: () => string }> {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, DS_DEBUG: "", ...env } }) as ChildProcess & { output: () => string };
  let output = "";
  child.output = () => output;
  return new Promise((resolve, reject) => {
    const seen = (d: Buffer) => {
      output += d;
      if (ready.test(output)) resolve(child);
    };
    child.stdout!.on("data", seen);
    child.stderr!.on("data", seen);
    child.on("exit", (code) => reject(new Error(`${command} ${args[0]} exited with ${code}: ${output}`)));
  });
}

/** SIGTERM, then SIGKILL after 10 s. */
function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => (clearTimeout(kill), resolve()));
    child.kill("SIGTERM");
  });
}

/** An HTTPS request that trusts only the given CA certificate (Caddy's local root). */
function https(url: string, ca: string | undefined, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(url, { method: init.method ?? "GET", headers: init.headers, ca }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

describe.skipIf(skip)("scale-out: replica scripts and Caddy, run for real", () => {
  let pair: ReplicaPair;
  let primaryPool: pg.Pool;
  let standbyPool: pg.Pool;
  let standbyDir = "";
  let caddyHome = "";
  let standby: (ChildProcess & { output: () => string }) | undefined;
  const children: ChildProcess[] = [];
  let ports = { primaryServer: 0, readServer: 0, https: 0 };
  let ca = "";
  const key = generateApiKey("scale-out-test");

  beforeAll(async () => {
    pair = await startPrimary(bin!);
    const primaryUrl = pair.primary.url();
    // the primary side: the replication role, as the postgres image runs it at its first start
    execFileSync("sh", [join(root, "deploy/postgres/init-replication.sh")], {
      env: { ...process.env, POSTGRES_USER: "postgres", POSTGRES_DB: "postgres", PGDATA: pair.primary.dataDir,
        PGHOST: "127.0.0.1", PGPORT: String(pair.primary.port), REPLICATION_PASSWORD: "s3cret" },
      stdio: "pipe",
    });
    primaryPool = await migratedPrimary(primaryUrl);
    await primaryPool.query("select pg_reload_conf()");
    await primaryPool.query("select ds.write('w-ticks', '0.1.0', '[{\"ts\": \"2024-03-01T14:30:00Z\", \"ticker\": \"A\", \"seq\": 0, \"price\": 1, \"size\": 1}]')");

    // the standby, started by the script the compose file runs
    standbyDir = postgresDir("ds-standby-");
    const standbyPort = await freePort();
    const env = [`PATH=${bin}:${process.env.PATH}`, `PGDATA=${join(standbyDir, "data")}`, "PRIMARY_HOST=127.0.0.1",
      `PRIMARY_PORT=${pair.primary.port}`, "REPLICATION_PASSWORD=s3cret"];
    const script = ["sh", join(root, "deploy/postgres/standby.sh"), "-p", String(standbyPort), "-k", standbyDir,
      "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"];
    standby = asRoot
      ? await daemon("runuser", ["-u", "postgres", "--", "env", ...env, ...script], /ready to accept read-only connections/)
      : await daemon("env", [...env, ...script], /ready to accept read-only connections/);
    standbyPool = createPool(`postgres://postgres@127.0.0.1:${standbyPort}/postgres`, { max: 4 });

    ports = { primaryServer: await freePort(), readServer: await freePort(), https: await freePort() };
    const serve = (url: string, port: number) => daemon(process.execPath,
      ["cli/main.ts", "serve", "--database-url", url, "--builders", fixtureBuilders, "--port", String(port)], /health:/, { API_KEYS: key.entry });
    children.push(await daemon(process.execPath, ["cli/main.ts", "worker", "--database-url", primaryUrl, "--builders", fixtureBuilders], /running/));
    children.push(await serve(primaryUrl, ports.primaryServer));
    children.push(await serve(`postgres://postgres@127.0.0.1:${standbyPort}/postgres`, ports.readServer));

    caddyHome = mkdtempSync(join(tmpdir(), "ds-caddy-"));
    children.push(await daemon(caddy!, ["run", "--config", join(root, "deploy/Caddyfile"), "--adapter", "caddyfile"], /serving initial configuration/, {
      DS_DOMAIN: `localhost:${ports.https}`, DS_UPSTREAM: `127.0.0.1:${ports.primaryServer}`, DS_READ_UPSTREAM: `127.0.0.1:${ports.readServer}`,
      HOME: caddyHome, XDG_DATA_HOME: caddyHome, XDG_CONFIG_HOME: caddyHome,
    }));
    const root_crt = join(caddyHome, "caddy", "pki", "authorities", "local", "root.crt");
    await until("Caddy's local root certificate", async () => existsSync(root_crt), 20_000);
    ca = readFileSync(root_crt, "utf8");
  }, 180_000);

  afterAll(async () => {
    for (const child of children.reverse()) await stop(child);
    await standbyPool?.end();
    await primaryPool?.end();
    if (standby) {
      // the script exec'd postgres (under runuser when root): pg_ctl stops it whatever the wrapper
      const exited = new Promise((resolve) => (standby!.exitCode !== null ? resolve(null) : standby!.once("exit", resolve)));
      try {
        pgRun(bin!, "pg_ctl", ["-D", join(standbyDir, "data"), "-m", "immediate", "-w", "stop"]);
      } catch {
        standby.kill("SIGKILL");
      }
      await exited;
    }
    pair?.stop();
    if (standbyDir) rmSync(standbyDir, { recursive: true, force: true });
    if (caddyHome) rmSync(caddyHome, { recursive: true, force: true });
  });

  it("init-replication.sh makes the replication role; standby.sh streams through its own slot as a hot standby", async () => {
    const role = await primaryPool.query("select rolreplication, rolcanlogin from pg_roles where rolname = 'replicator'");
    expect(role.rows).toEqual([{ rolreplication: true, rolcanlogin: true }]);
    const slot = await primaryPool.query("select slot_name, active from pg_replication_slots");
    expect(slot.rows).toEqual([{ slot_name: "replica1", active: true }]);
    expect((await standbyPool.query("select pg_is_in_recovery() as r, current_setting('hot_standby_feedback') as f")).rows[0]).toEqual({ r: true, f: "on" });
    const rows = await standbyPool.query("select ticker, price from ds_data.w_ticks_v0_1_0");
    expect(rows.rows).toEqual([{ ticker: "A", price: 1 }]);
  });

  it("Caddy serves HTTPS from its local CA; REST reads go to the standby's server, writes to the primary's", async () => {
    const base = `https://localhost:${ports.https}`;
    const auth = { authorization: `Bearer ${key.key}` };
    const build = await https(`${base}/api/v1/build/t-root/0.1.0?start=2024-01-01&end=2024-01-05`, ca, { method: "POST", headers: auth });
    expect(build.status, build.body).toBe(200);
    expect(build.headers["x-ds-upstream"]).toBe(`127.0.0.1:${ports.primaryServer}`);
    // the standby has the rows once it has replayed the build
    await caughtUp(primaryPool, standbyPool);
    const read = await https(`${base}/api/v1/data/t-root/0.1.0?start=2024-01-01&end=2024-01-05`, ca, { headers: auth });
    expect(read.status, read.body).toBe(200);
    expect(read.headers["x-ds-upstream"]).toBe(`127.0.0.1:${ports.readServer}`);
    expect(JSON.stringify(JSON.parse(read.body))).toMatch(/"value":5/);
    // GraphQL goes to the primary (its subscriptions LISTEN)
    const gql = await https(`${base}/graphql`, ca, { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ dataset(name: \"t-root\", version: \"0.1.0\") { lastBuilt } }" }) });
    expect(gql.headers["x-ds-upstream"]).toBe(`127.0.0.1:${ports.primaryServer}`);
    expect(JSON.parse(gql.body)).toEqual({ data: { dataset: { lastBuilt: "2024-01-05T00:00:00.000000+00:00" } } });
    // without Caddy's root the certificate is refused: the chain really is Caddy's
    await expect(https(`${base}/api/v1/datasets`, undefined)).rejects.toThrow();
  });
});
