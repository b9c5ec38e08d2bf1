/**
 * Read-replica mode against a real streaming replica: a throwaway primary made with the
 * machine's initdb and a hot standby from `pg_basebackup -R` (test/support/pg-cluster.ts),
 * a `ds worker` process on the primary and a `ds serve` process on the standby. Reads work
 * on the standby (SQL, REST, GraphQL, a subscription); every write path answers DS036 (503
 * over REST); /health reads liveness from the replicated heartbeats; the server does not
 * LISTEN; ds.data(build => true) says what to configure, then builds through the primary.
 *
 * It makes its own servers whatever DATABASE_URL says, so it runs once: in the run on the
 * embedded database, not again in the DATABASE_URL run.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "graphql-ws";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../db/pool.ts";
import { projectRoot } from "../db/project-root.ts";
import { generateApiKey } from "../server/api-keys.ts";
import { freePort } from "./support/free-port.ts";
import { findPgBin, startPrimary, type PgServer, type ReplicaPair } from "./support/pg-cluster.ts";
import { caughtUp as replayed, migratedPrimary } from "./support/replica-fixture.ts";
import { expectSqlState } from "./support/test-database.ts";
import { fixtureBuilders } from "./support/worker-fixture.ts";
import { runDs } from "./support/run-ds.ts";

const bin = findPgBin();
const reason = process.env.DATABASE_URL
  ? "it makes its own servers: it ran in the run on the embedded database"
  : "no PostgreSQL binaries (initdb, pg_basebackup) under /usr/lib/postgresql";
if (!bin || process.env.DATABASE_URL) console.warn(`test/read-replica.test.ts skipped: ${reason}`);

const root = projectRoot();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function ds(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return runDs([...args], env);
}

/** A long-running verb; resolves once its stdout has printed `ready`. */
function daemon(args: string[], ready: RegExp, env: Record<string, string> = {}): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, ["cli/main.ts", ...args], { cwd: root, env: { ...process.env, DS_DEBUG: "", ...env } });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      stdout += d;
      if (ready.test(stdout)) resolve({ child, stderr: () => stderr });
    });
    child.on("exit", (code) => reject(new Error(`ds ${args[0]} exited with ${code}: ${stderr}`)));
  });
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

describe.skipIf(!bin || process.env.DATABASE_URL)("read-replica mode on a real streaming replica", () => {
  let pair: ReplicaPair;
  let standby: PgServer;
  let primaryPool: pg.Pool;
  let standbyPool: pg.Pool;
  let worker: ChildProcess | undefined;
  let server: { child: ChildProcess; stderr: () => string } | undefined;
  let http = "";
  const key = generateApiKey("replica-test");
  const auth = { authorization: `Bearer ${key.key}` };

  const caughtUp = () => replayed(primaryPool, standbyPool);

  beforeAll(async () => {
    pair = await startPrimary(bin!);
    primaryPool = await migratedPrimary(pair.primary.url());
    standby = await pair.makeStandby({ hot_standby_feedback: "off" });
    standbyPool = createPool(standby.url(), { max: 4 });
    worker = (await daemon(["worker", "--database-url", pair.primary.url(), "--builders", fixtureBuilders], /running/)).child;
    const id = (await primaryPool.query<{ id: number }>("select ds.build('t-root', '0.1.0', '2024-01-01', '2024-01-10') as id")).rows[0]!.id;
    expect((await primaryPool.query("select ds.wait($1, '1 minute') as s", [id])).rows[0].s).toBe("succeeded");
    await caughtUp();
    const port = await freePort();
    server = await daemon(["serve", "--database-url", standby.url(), "--builders", fixtureBuilders, "--port", String(port)], /health:/, {
      API_KEYS: key.entry,
    });
    http = `http://127.0.0.1:${port}`;
  }, 180_000);

  afterAll(async () => {
    await stopChild(server?.child);
    await stopChild(worker);
    await standbyPool?.end();
    await primaryPool?.end();
    pair?.stop();
  });

  it("reads the primary's data on the standby with SQL", async () => {
    const { rows } = await standbyPool.query("select ts, data from ds.data('t-root', '0.1.0', '2024-01-01', '2024-01-10')");
    expect(rows.map((r) => r.data.value)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await standbyPool.query("select * from ds.missing('t-root', '0.1.0', '2024-01-01', '2024-01-10')")).rowCount).toBe(0);
    expect((await standbyPool.query("select pg_is_in_recovery() as r")).rows[0].r).toBe(true);
  });

  it.each([
    ["ds.build", "select ds.build('t-root', '0.1.0', '2024-02-01', '2024-02-02')"],
    ["ds.delete", "select * from ds.delete('t-root', '0.1.0', '2024-01-01', '2024-01-01')"],
    ["ds.cancel", "select ds.cancel(1)"],
    ["ds.write", `select * from ds.write('w-ticks', '0.1.0', '[{"ts": "2024-03-01T14:30:00Z", "ticker": "A", "seq": 0, "price": 1, "size": 1}]')`],
    ["ds.import_staged", "select * from ds.import_staged('w-ticks', '0.1.0', 'pg_catalog.pg_class'::regclass)"],
    ["ds.refresh", "select ds.refresh('t-root', '0.1.0')"],
    ["ds.register_datasets", "select ds.register_datasets('[]')"],
    ["ds.register_calendar", "select ds.register_calendar('x', '{}')"],
  ])("refuses %s on the standby with DS036 naming the primary", async (fn, sql) => {
    const err = await expectSqlState(standbyPool.query(sql), "DS036", new RegExp(`^${fn.replace(".", "\\.")} needs the primary`)) as { hint?: string };
    expect(err.hint).toMatch(/Connect to the primary/);
  });

  it("turns PostgreSQL's 25006 into DS036 in the CLI: ds import, ds worker and ds migrate refuse the standby in one line", async () => {
    const csv = join(pair.primary.dataDir, "..", "ticks.csv");
    writeFileSync(csv, "ts,ticker,seq,price,size\n2024-03-01T14:30:00Z,A,0,1,1\n");
    for (const args of [["import", "w-ticks", "0.1.0", csv], ["worker"], ["migrate"]]) {
      const { code, stdout, stderr } = await ds([...args, "--database-url", standby.url(), "--builders", fixtureBuilders]);
      expect({ code, stdout }, stderr).toEqual({ code: 1, stdout: "" });
      expect(stderr).toMatch(/^error DS036: [^\n]+ — hint: [^\n]*primary[^\n]*\n$/);
    }
  });

  it("serves REST reads from the standby and answers REST writes 503 DS036", async () => {
    const data = await fetch(`${http}/api/v1/data/t-root/0.1.0?start=2024-01-01&end=2024-01-03`, { headers: auth });
    expect(data.status, await data.clone().text()).toBe(200);
    expect(((await data.json()) as { rows: unknown[] }).rows).toHaveLength(3);
    const build = await fetch(`${http}/api/v1/build/t-root/0.1.0?start=2024-02-01&end=2024-02-02`, { method: "POST", headers: auth });
    expect(build.status).toBe(503);
    expect(await build.json()).toMatchObject({ code: "DS036", detail: expect.stringMatching(/needs the primary/) });
    const del = await fetch(`${http}/api/v1/data/t-root/0.1.0?start=2024-01-01&end=2024-01-01`, { method: "DELETE", headers: auth });
    expect(del.status).toBe(503);
    expect(await del.json()).toMatchObject({ code: "DS036" });
  });

  it("serves GraphQL queries from the standby and answers mutations DS036", async () => {
    const gql = async (query: string, headers: Record<string, string> = {}) =>
      (await (await fetch(`${http}/graphql`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ query }) })).json()) as
        { data?: Record<string, any>; errors?: { message: string; extensions?: Record<string, unknown> }[] };
    const read = await gql(`{ data(dataset: "t-root", version: "0.1.0", startAt: "2024-01-01", endAt: "2024-01-02") { ts data } }`);
    expect(read.errors).toBeUndefined();
    expect(read.data!.data).toHaveLength(2);
    for (const mutation of [
      `mutation { build(dataset: "t-root", version: "0.1.0", startAt: "2024-02-01", endAt: "2024-02-02") { id } }`,
      `mutation { delete(dataset: "t-root", version: "0.1.0", startAt: "2024-01-01", endAt: "2024-01-01") { deleted } }`,
      `mutation { cancel(id: "1") { id } }`,
    ]) {
      const result = await gql(mutation, auth);
      expect(result.errors?.[0]?.extensions?.code, JSON.stringify(result)).toBe("DS036");
    }
  });

  it("follows a build with a subscription on the standby without LISTEN, logging that once", async () => {
    const client = createClient({ url: `${http.replace(/^http/, "ws")}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    const states: string[] = [];
    try {
      for await (const r of client.iterate({ query: `subscription { buildProgress(id: "1") { state } }` })) {
        states.push((r.data as any)?.buildProgress?.state ?? JSON.stringify(r.errors));
      }
    } finally {
      await client.dispose();
    }
    expect(states).toEqual(["succeeded"]);
    const listening = await standbyPool.query("select 1 from pg_stat_activity where query ilike 'listen %'");
    expect(listening.rowCount).toBe(0);
    const log = server!.stderr();
    expect(log.match(/no LISTEN/g)).toHaveLength(1);
    expect(log).not.toMatch(/cannot execute LISTEN/);
  });

  it("reports live workers on the standby from their replicated heartbeats", async () => {
    const live = await fetch(`${http}/health`);
    expect(live.status).toBe(200);
    expect(((await live.json()) as any).checks.workers).toMatchObject({ status: "pass", live: 1 });
    await stopChild(worker);
    // the stopped worker's row stays until another worker recovers it; age its heartbeat
    await primaryPool.query("update ds_private.workers set heartbeat_at = now() - interval '1 minute'");
    await caughtUp();
    const dead = await fetch(`${http}/health`);
    expect(dead.status, await dead.clone().text()).toBe(503);
    expect(((await dead.json()) as any).checks.workers).toMatchObject({ status: "fail", live: 0, registered: 1 });
    worker = (await daemon(["worker", "--database-url", pair.primary.url(), "--builders", fixtureBuilders], /running/)).child;
  });

  it("ds.data(build => true) on the standby says what to configure, then builds through the primary", async () => {
    const read = "select data from ds.data('t-root', '0.1.0', '2024-03-01', '2024-03-05', build => true)";
    await expectSqlState(standbyPool.query(read), "DS036", /needs the address of the primary/);
    await primaryPool.query("insert into ds_private.settings values ('primary_connstr', $1)",
      [`host=127.0.0.1 port=${pair.primary.port} dbname=postgres user=postgres`]);
    await caughtUp();
    await expectSqlState(standbyPool.query(read), "DS036", /hot_standby_feedback = on/);
    await standbyPool.query("alter system set hot_standby_feedback = on");
    await standbyPool.query("select pg_reload_conf()");
    for (let i = 0; (await standbyPool.query("select current_setting('hot_standby_feedback') as f")).rows[0].f !== "on"; i++) {
      if (i > 500) throw new Error("hot_standby_feedback did not reload");
      await new Promise((r) => setTimeout(r, 10));
    }
    const { rows } = await standbyPool.query(read);
    expect(rows.map((r) => r.data.value)).toEqual([1, 2, 3, 4, 5]);
  });
});
