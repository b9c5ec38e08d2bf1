/**
 * REST limits: reads and dry runs over 1900-2100 answer 422 with DS033 and the limit; a
 * row limit on reads; a client that disconnects has its query cancelled in PostgreSQL;
 * a dry run in flight does not block a real build of the same dataset.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, parseApiKeys } from "../server/api-keys.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import { resolveLimits, type RequestLimits } from "../server/request-limits.ts";
import { createRestMount } from "../server/rest/rest-mount.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";

// no worker: a read with build-data=true then waits (in ds.wait) until it is cancelled
const db = useWorkerDatabase("rest_limits", { worker: false });
const { key, entry } = generateApiKey("tests");
const servers: RunningServer[] = [];
let server: RunningServer;

async function serve(limits: Partial<RequestLimits> = {}): Promise<RunningServer> {
  const ctx = { pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(entry), buildersDir: fixtureBuilders, limits: resolveLimits(limits, {}) };
  const s = await startHttpServer([createRestMount(ctx)], { port: 0 });
  servers.push(s);
  return s;
}

async function call(on: RunningServer, method: string, path: string, signal?: AbortSignal) {
  const res = await fetch(on.url + path, { method, headers: { authorization: `Bearer ${key}` }, signal });
  return { status: res.status, body: await res.json() };
}

/** Polls until `check` holds, for at most `ms`; returns whether it did. */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Backends (other than ours) whose current or last statement matches `pattern`, in a transaction or running. */
async function busyBackends(pattern: string): Promise<number> {
  const { n } = await db.one<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity
     where datname = current_database() and pid <> pg_backend_pid() and query ~ $1
       and (state = 'active' or state like 'idle in transaction%')`, [pattern]);
  return n;
}

beforeAll(async () => {
  server = await serve();
});
afterAll(async () => {
  for (const s of servers) await s.close();
});

describe("points and rows per request (DS033)", () => {
  it("answers a read over 1900-2100 with 422 and the limit, at once and without building", async () => {
    const started = Date.now();
    const { status, body } = await call(server, "GET", "/api/v1/data/t-minute/0.1.0?start=1900-01-01&end=2100-12-31");
    expect(Date.now() - started).toBeLessThan(5000);
    expect(status).toBe(422);
    expect(body.code).toBe("DS033");
    expect(body.detail).toMatch(/over the limit of 1000000 points/);
    expect(await db.one("select count(*)::int as n from ds.builds")).toEqual({ n: 0 });
  });

  it("answers a dry run over 1900-2100 with 422 and the limit", async () => {
    const { status, body } = await call(server, "POST", "/api/v1/build/t-minute/0.1.0?start=1900-01-01&end=2100-12-31&dry-run=true");
    expect(status).toBe(422);
    expect(body.code).toBe("DS033");
    expect(body.detail).toMatch(/dry run .* over the limit of 1000000 points/);
  });

  it("answers a read of more rows than maxRows with 422 and the limit", async () => {
    const limited = await serve({ maxRows: 5 });
    await db.q(`select * from ds.write('w-ticks', '0.1.0', (select jsonb_agg(jsonb_build_object(
      'ts', '2024-03-01T14:30:00Z'::timestamptz + i * interval '1 second', 'ticker', 'MSFT', 'seq', i, 'price', 1.5, 'size', 1)) from generate_series(1, 6) i))`);
    const path = "/api/v1/data/w-ticks/0.1.0?start=2024-03-01T14:30:00Z&end=2024-03-01T14:31:00Z&build-data=false";
    const over = await call(limited, "GET", path);
    expect(over.status).toBe(422);
    expect(over.body.code).toBe("DS033");
    expect(over.body.detail).toMatch(/more than 5 rows/);
    expect((await call(server, "GET", path)).body.returned_timestamps).toBe(6);
  });
});

describe("a client that disconnects", () => {
  it("has its query cancelled in PostgreSQL within a few seconds", async () => {
    const controller = new AbortController();
    // build-data=true with no worker running: ds.data waits for the build for up to 5 minutes
    const pending = call(server, "GET", "/api/v1/data/t-root/0.1.0?start=2024-05-01&end=2024-05-05", controller.signal).catch((e: Error) => e);
    expect(await eventually(async () => (await busyBackends("ds\\.data\\(")) === 1, 10_000)).toBe(true);
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    expect(await eventually(async () => (await busyBackends("ds\\.data\\(")) === 0, 5000)).toBe(true);
    // the server still answers
    expect((await call(server, "GET", "/api/v1/datasets")).status).toBe(200);
  });
});

describe("a dry run in flight", () => {
  it("does not block a real build of the same dataset, and stops when its client disconnects", async () => {
    // a committed build first: the very first job of a database creates graphile-worker's
    // task row, and a second transaction inserting it would wait for the dry run's
    await db.q("select ds.build('t-root', '0.1.0', '2024-01-01', '2024-01-02')");
    const controller = new AbortController();
    // about 900,000 one-minute points in chunks of 100,000: several seconds of builder work
    const pending = call(server, "POST", "/api/v1/build/t-slow/0.1.0?start=2024-01-01&end=2025-09-15&dry-run=true", controller.signal)
      .catch((e: Error) => e);
    // the dry run's backend: in a transaction since its ds_worker.plan_dry_run
    let pid = 0;
    expect(await eventually(async () => {
      pid = (await db.one<{ pid: number | null }>(`select max(pid) as pid from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and xact_start is not null and query ~* '(plan_dry_run|start_task|build_tasks|copy|complete_task)'`)).pid ?? 0;
      return pid > 0;
    }, 10_000)).toBe(true);
    // in a transaction, and not running this check (its connection goes back to the pool)
    const inTransaction = async () => (await db.one<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where pid = $1 and pid <> pg_backend_pid() and xact_start is not null", [pid])).n === 1;
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query("set lock_timeout = '3s'");
      const { rows } = await other.query("select ds.build('t-slow', '0.1.0', '2024-01-01', '2024-01-02') as id");
      expect(Number(rows[0].id)).toBeGreaterThan(0);
    } finally {
      await other.end();
    }
    // still in flight: the build did not wait for it
    const early = await Promise.race([pending, new Promise((r) => setTimeout(() => r("running"), 10))]);
    expect(early, JSON.stringify(early)).toBe("running");
    expect(await inTransaction()).toBe(true);
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    expect(await eventually(async () => !(await inTransaction()), 5000)).toBe(true);
  });
});
