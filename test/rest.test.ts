/**
 * The REST API of the original builder server over real HTTP against a real database and
 * an in-process worker: each route with its exact JSON shapes and status codes, including
 * the original server's own integration cases.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, parseApiKeys } from "../server/api-keys.ts";
import { resolveLimits } from "../server/request-limits.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import { createRestMount } from "../server/rest/rest-mount.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("rest");
const { key, entry } = generateApiKey("tests");
let server: RunningServer;

beforeAll(async () => {
  const ctx = { pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(entry), buildersDir: fixtureBuilders };
  server = await startHttpServer([createRestMount(ctx)], { port: 0 });
});
afterAll(() => server?.close());

async function api(method: string, path: string) {
  const res = await fetch(server.url + path, { method, headers: { authorization: `Bearer ${key}` } });
  const text = await res.text();
  const type = res.headers.get("content-type") ?? "";
  return { status: res.status, type, text, body: type.startsWith("application/json") ? JSON.parse(text) : undefined };
}

describe("GET /api/v1/status and /api/v1/datasets", () => {
  it("answers the status", async () => {
    expect(await api("GET", "/api/v1/status")).toMatchObject({ status: 200, body: { status: "ok" } });
  });

  it("lists every version by name with has_data, which turns true once rows exist", async () => {
    const before = await api("GET", "/api/v1/datasets");
    expect(before.status).toBe(200);
    const names = before.body.datasets.map((d: { name: string }) => d.name);
    expect(names).toEqual([...names].sort());
    expect(before.body.datasets).toContainEqual({ name: "t-root", version: "0.1.0", has_data: false });
    for (const d of before.body.datasets) expect(Object.keys(d).sort()).toEqual(["has_data", "name", "version"]);
    await api("GET", "/api/v1/data/t-root/0.1.0?start=2024-01-02&end=2024-01-02");
    expect((await api("GET", "/api/v1/datasets")).body.datasets).toContainEqual({ name: "t-root", version: "0.1.0", has_data: true });
  });
});

describe("GET /api/v1/data/{name}/{version}", () => {
  it("builds by default: a 3-day range gives total 3 / returned 3 in the exact shape", async () => {
    const { status, body } = await api("GET", "/api/v1/data/t-root/0.1.0?start=2024-01-02&end=2024-01-04");
    expect(status).toBe(200);
    expect(body).toEqual({
      dataset_name: "t-root", dataset_version: "0.1.0", total_timestamps: 3, returned_timestamps: 3,
      rows: [
        { timestamp: "2024-01-02T00:00:00", data: [{ value: 2 }] },
        { timestamp: "2024-01-03T00:00:00", data: [{ value: 3 }] },
        { timestamp: "2024-01-04T00:00:00", data: [{ value: 4 }] },
      ],
    });
  });

  it("with build-data=false on an empty range answers 206 with total 1 / returned 0", async () => {
    const { status, body } = await api("GET", "/api/v1/data/t-root/0.1.0?start=2024-03-01&end=2024-03-01&build-data=false");
    expect({ status, body }).toEqual({ status: 206, body: {
      dataset_name: "t-root", dataset_version: "0.1.0", total_timestamps: 1, returned_timestamps: 0, rows: [] } });
  });

  it("with build-data=false answers 206 on partial data and 200 once complete", async () => {
    const partial = await api("GET", "/api/v1/data/t-root/0.1.0?start=2024-01-02&end=2024-01-06&build-data=false");
    expect(partial).toMatchObject({ status: 206, body: { total_timestamps: 5, returned_timestamps: 3 } });
    expect(partial.body.rows).toHaveLength(3);
    const complete = await api("GET", "/api/v1/data/t-root/0.1.0?start=2024-01-02&end=2024-01-04&build-data=0");
    expect(complete).toMatchObject({ status: 200, body: { total_timestamps: 3, returned_timestamps: 3 } });
  });

  it("gives a multi-row dataset one entry per timestamp with all its rows in key order", async () => {
    const { status, body } = await api("GET", "/api/v1/data/t-sparse/0.1.0?start=2024-01-02&end=2024-01-02");
    expect(status).toBe(200);
    expect(body).toMatchObject({ total_timestamps: 1, returned_timestamps: 1 });
    expect(body.rows).toEqual([{ timestamp: "2024-01-02T00:00:00", data: [
      { ticker: "AAA", price: 2 }, { ticker: "BBB", price: 2.1 }, { ticker: "CCC", price: 2.2 }] }]);
  });

  it("counts built-empty points as built: no 206 for a weekend without rows", async () => {
    await api("GET", "/api/v1/data/t-sparse/0.1.0?start=2024-01-05&end=2024-01-08");
    const { status, body } = await api("GET", "/api/v1/data/t-sparse/0.1.0?start=2024-01-05&end=2024-01-08&build-data=false");
    expect(status).toBe(200);
    expect(body).toMatchObject({ total_timestamps: 4, returned_timestamps: 2 });
    expect(body.rows.map((r: { timestamp: string; data: unknown[] }) => [r.timestamp, r.data.length]))
      .toEqual([["2024-01-05T00:00:00", 3], ["2024-01-08T00:00:00", 3]]);
  });

  it("reads offsets and naive timestamps (UTC), and clamps to the start date", async () => {
    const { body } = await api("GET", "/api/v1/data/t-root/0.1.0?start=2023-12-30T00:00:00%2B00:00&end=2024-01-02T05:00:00Z&build-data=false");
    expect(body).toMatchObject({ total_timestamps: 2, returned_timestamps: 1 }); // 2024-01-01 and -02
  });

  it.each([
    ["t-minute", "2024-11-29T14:00:30Z", "2024-12-02T15:00:00Z"], // intraday, an early close, mid-minute start
    ["t-counted", "2024-01-01T12:00:00Z", "2024-02-10"], // weekdays
    ["t-root", "2023-12-01", "2024-01-05T23:59:59Z"], // before the start date
  ])("counts total_timestamps of %s like ds.calendar_points, by ranges", async (name, start, end) => {
    const { n } = await db.one<{ n: number }>("select ds_server.count_points($1, '0.1.0', $2, $3)::int as n", [name, start, end]);
    const { m } = await db.one<{ m: number }>(`select count(*)::int as m from ds.datasets d,
      ds.calendar_points(d.calendar, d.granularity, greatest($2::timestamptz, d.start_at), $3) where d.name = $1`, [name, start, end]);
    expect(n).toBeGreaterThan(0);
    expect(n).toBe(m);
  });

  it("answers CSV with a header of ts and the schema's fields", async () => {
    const res = await api("GET", "/api/v1/data/t-sparse/0.1.0?start=2024-01-01&end=2024-01-02&format=csv");
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/csv/);
    expect(res.text).toBe([
      "ts,ticker,price",
      "2024-01-01T00:00:00Z,AAA,", "2024-01-01T00:00:00Z,BBB,", "2024-01-01T00:00:00Z,CCC,", // null price on Mondays
      "2024-01-02T00:00:00Z,AAA,2", "2024-01-02T00:00:00Z,BBB,2.1", "2024-01-02T00:00:00Z,CCC,2.2", ""].join("\n"));
    const partial = await api("GET", "/api/v1/data/t-sparse/0.1.0?start=2024-06-01&end=2024-06-02&format=csv&build-data=false");
    expect({ status: partial.status, text: partial.text }).toEqual({ status: 206, text: "ts,ticker,price\n" });
  });
});

describe("POST /api/v1/build/{name}/{version}", () => {
  it("answers exactly {status: ok} once the build has ended, as the original did", async () => {
    const { status, body } = await api("POST", "/api/v1/build/t-root/0.1.0?start=2024-04-01&end=2024-04-30");
    expect({ status, body }).toEqual({ status: 200, body: { status: "ok" } });
    // a client that builds then reads without building gets every row
    const read = await api("GET", "/api/v1/data/t-root/0.1.0?start=2024-04-01&end=2024-04-30&build-data=false");
    expect(read).toMatchObject({ status: 200, body: { total_timestamps: 30, returned_timestamps: 30 } });
  });

  it("with wait=false enqueues and answers 202 with the build at once", async () => {
    const { status, body } = await api("POST", "/api/v1/build/t-child/0.1.0?start=2024-02-01&end=2024-02-03&wait=false");
    expect(status).toBe(202);
    expect(body).toEqual({ status: "ok", build: expect.objectContaining({
      id: expect.any(Number), dataset: "t-child", version: "0.1.0", start: "2024-02-01T00:00:00", end: "2024-02-03T00:00:00",
      state: expect.stringMatching(/^(queued|running|succeeded)$/), progress: expect.any(Number), error: null,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/) }) });
    expect((await db.one<{ s: string }>("select ds.wait($1) as s", [body.build.id])).s).toBe("succeeded");
  });

  it("answers 504 (DS016) naming the build when it runs past DS_BUILD_WAIT; the build goes on", async () => {
    const ctx = { pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(entry), buildersDir: fixtureBuilders, limits: resolveLimits({ buildWait: "1s" }) };
    const impatient = await startHttpServer([createRestMount(ctx)], { port: 0 });
    try {
      const res = await fetch(`${impatient.url}/api/v1/build/t-wait/0.1.0?start=2024-01-01&end=2024-01-01`, { method: "POST", headers: { authorization: `Bearer ${key}` } });
      const body = await res.json() as { code: string; detail: string };
      expect({ status: res.status, code: body.code }).toEqual({ status: 504, code: "DS016" });
      const id = Number(/^build (\d+) is still (queued|running) after/.exec(body.detail)?.[1]);
      expect((await db.one<{ state: string }>("select state from ds.builds where id = $1", [id])).state).toMatch(/^(queued|running)$/);
      await db.q("select ds.cancel($1)", [id]);
    } finally {
      await impatient.close();
    }
  });

  it("answers 500 with the build's error (DS021) when it fails", async () => {
    const { status, body } = await api("POST", "/api/v1/build/t-exit/0.1.0?start=2024-01-01&end=2024-01-01");
    expect(status).toBe(500);
    expect(body).toMatchObject({ code: "DS021", detail: expect.stringMatching(/^build \d+ of t-exit 0\.1\.0 failed: /), build: { state: "failed" } });
  });
});

describe("DELETE /api/v1/data/{name}/{version}", () => {
  it("deletes the rows of the range and reports the actual first and last", async () => {
    await api("GET", "/api/v1/data/t-root/0.1.0?start=2024-04-15&end=2024-04-30");
    await api("GET", "/api/v1/data/t-root/0.1.0?start=2024-05-02&end=2024-05-05");
    const { status, body } = await api("DELETE", "/api/v1/data/t-root/0.1.0?start=2024-04-20T12:00:00&end=2024-05-04");
    expect({ status, body }).toEqual({ status: 200, body: {
      dataset_name: "t-root", dataset_version: "0.1.0", rows_deleted: 13, start: "2024-04-21T00:00:00", end: "2024-05-04T00:00:00" } });
    const left = await db.q<{ value: number }>("select value from ds_data.t_root_v0_1_0 where ts >= '2024-04-20' and ts <= '2024-05-10' order by ts");
    expect(left.map((r) => r.value)).toEqual([20, 5]);
  });

  it("answers 404 when no row is in the range, and changes nothing then", async () => {
    const coverage = "select coverage::text as c from ds.datasets where name = 't-sparse'";
    const before = await db.one<{ c: string }>(coverage);
    const { status, body } = await api("DELETE", "/api/v1/data/t-sparse/0.1.0?start=2024-01-06&end=2024-01-07");
    expect(status).toBe(404);
    expect(body.detail).toMatch(/^no data for t-sparse\/0\.1\.0 in \[2024-01-06, 2024-01-07\]/);
    expect(await db.one<{ c: string }>(coverage)).toEqual(before); // the built-empty weekend stays built
  });
});
