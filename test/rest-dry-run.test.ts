/**
 * POST /api/v1/build?dry-run=true: the real builders run in a transaction that is rolled
 * back. It answers the rows of the range and leaves the database exactly as it was: tasks,
 * builds, graphile-worker jobs, data rows and coverage.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, parseApiKeys } from "../server/api-keys.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import { createRestMount } from "../server/rest/rest-mount.ts";
import { calls, knobs, resetCalls } from "./fixtures/builders/calls.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("rest_dry_run");
const { key, entry } = generateApiKey("tests");
let server: RunningServer;

beforeAll(async () => {
  const ctx = { pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(entry), buildersDir: fixtureBuilders };
  server = await startHttpServer([createRestMount(ctx)], { port: 0 });
});
afterAll(() => server?.close());

async function post(path: string) {
  const res = await fetch(server.url + path, { method: "POST", headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: await res.json() };
}

/** Everything a build could change. */
async function snapshot() {
  return db.one(`select
    (select count(*) from ds_private.tasks) as tasks,
    (select count(*) from ds_private.builds) as builds,
    (select count(*) from graphile_worker._private_jobs) as jobs,
    (select count(*) from ds_data.t_root_v0_1_0) as root_rows,
    (select count(*) from ds_data.t_child_v0_1_0) as child_rows,
    (select string_agg(name || ' ' || coverage::text, '; ' order by name) from ds.datasets) as coverage`);
}

describe("dry run", () => {
  it("runs the builders of the whole closure, answers the rows, and leaves the database unchanged", async () => {
    // part of the closure is built already
    const { id } = await db.one<{ id: number }>("select ds.build('t-root', '0.1.0', '2024-03-01', '2024-03-02') as id");
    expect((await db.one<{ s: string }>("select ds.wait($1) as s", [id])).s).toBe("succeeded");
    const before = await snapshot();
    resetCalls();
    const { status, body } = await post("/api/v1/build/t-child/0.1.0?start=2024-03-02&end=2024-03-04&dry-run=true");
    expect(status).toBe(200);
    expect(body).toEqual({ dataset_name: "t-child", dataset_version: "0.1.0", dry_run: true, rows: [
      { timestamp: "2024-03-02T00:00:00", data: [{ total: 2 + 1 + 29, n: 3 }] }, // lookback 3d reaches 2024-02-29
      { timestamp: "2024-03-03T00:00:00", data: [{ total: 3 + 2 + 1, n: 3 }] },
      { timestamp: "2024-03-04T00:00:00", data: [{ total: 4 + 3 + 2, n: 3 }] },
    ] });
    expect(calls("t-child").map((c) => c.ts.slice(0, 10))).toEqual(["2024-03-02", "2024-03-03", "2024-03-04"]);
    expect(calls("t-root").map((c) => c.ts.slice(0, 10)).sort()).toEqual(["2024-02-29", "2024-03-03", "2024-03-04"]);
    expect(await snapshot()).toEqual(before);
  });

  it("answers what a real build then stores", async () => {
    const path = "/api/v1/build/t-child/0.1.0?start=2024-03-10&end=2024-03-12";
    const dry = await post(`${path}&dry-run=true`);
    expect((await post(path)).body).toEqual({ status: "ok" });
    const stored = await fetch(`${server.url}/api/v1/data/t-child/0.1.0?start=2024-03-10&end=2024-03-12&build-data=false`,
      { headers: { authorization: `Bearer ${key}` } });
    expect(dry.body.rows).toEqual((await stored.json()).rows);
  });

  it("reports a builder's failure as 500 and still leaves the database unchanged", async () => {
    const before = await snapshot();
    knobs.badMode = 5; // throws on the 3rd
    try {
      const { status, body } = await post("/api/v1/build/t-bad/0.1.0?start=2024-01-01&end=2024-01-05&dry-run=true");
      expect(status).toBe(500);
      expect(body.detail).toMatch(/upstream is down/);
    } finally {
      delete knobs.badMode;
    }
    expect(await snapshot()).toEqual(before);
  });

  it("answers rows already stored when nothing is left to build", async () => {
    const before = await snapshot();
    const { body } = await post("/api/v1/build/t-root/0.1.0?start=2024-03-01&end=2024-03-02&dry-run=true");
    expect(body.rows).toEqual([
      { timestamp: "2024-03-01T00:00:00", data: [{ value: 1 }] },
      { timestamp: "2024-03-02T00:00:00", data: [{ value: 2 }] },
    ]);
    expect(await snapshot()).toEqual(before);
  });
});
