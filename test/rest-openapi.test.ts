/**
 * The REST API's OpenAPI document (/api/v1/openapi.json, generated from zod schemas) and its
 * Swagger UI page, checked against real answers of a real server: every answer of every
 * route matches the schema the document gives for its status. Also the /data additions:
 * key filters, limit and interval.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as z from "zod";
import { generateApiKey, parseApiKeys } from "../server/api-keys.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import { buildBody, dataBody, datasetsBody, deletedBody, dryRunBody, errorBody, openApiDocument, queuedBody, statusBody } from "../server/rest/openapi.ts";
import { createRestMount } from "../server/rest/rest-mount.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("rest-openapi");
const { key, entry } = generateApiKey("openapi");
let server: RunningServer;

beforeAll(async () => {
  server = await startHttpServer([createRestMount({ pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(entry), buildersDir: fixtureBuilders })], { port: 0 });
});
afterAll(() => server?.close());

async function call(method: string, path: string, auth = true) {
  const res = await fetch(`${server.url}/api/v1${path}`, { method, headers: auth ? { authorization: `Bearer ${key}` } : {} });
  const type = res.headers.get("content-type") ?? "";
  const text = await res.text();
  return { status: res.status, type, text, body: type.startsWith("application/json") ? JSON.parse(text) : undefined };
}

/** The answer matches the document: its status is documented for the route, and its body parses with that schema. */
async function expectDocumented(method: string, path: string, template: string, schema: z.ZodType, auth = true) {
  const r = await call(method, path, auth);
  const doc = openApiDocument() as unknown as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  expect(Object.keys(doc.paths[template]![method.toLowerCase()]!.responses), `${method} ${path} answered ${r.status}: ${r.text}`).toContain(String(r.status));
  const parsed = schema.safeParse(r.body);
  expect(parsed.success, `${method} ${path}: ${r.text}\n${parsed.error?.message}`).toBe(true);
  return r;
}

describe("the OpenAPI document", () => {
  it("is served without a key and describes every route", async () => {
    const { status, body } = await call("GET", "/openapi.json", false);
    expect(status).toBe(200);
    expect(body.openapi).toBe("3.1.0");
    expect(Object.fromEntries(Object.entries(body.paths as Record<string, object>).map(([p, ops]) => [p, Object.keys(ops).sort()]))).toEqual({
      "/api/v1/status": ["get"], "/api/v1/catalog": ["get"], "/api/v1/datasets": ["get"], "/api/v1/build/{name}/{version}": ["post"], "/api/v1/data/{name}/{version}": ["delete", "get", "post"],
      "/api/v1/stream/{name}/{version}": ["get"],
    });
    expect(body.components.schemas.Data.required).toEqual(["dataset_name", "dataset_version", "total_timestamps", "returned_timestamps", "rows"]);
  });

  it("has a Swagger UI page with its assets served from the project", async () => {
    const page = await call("GET", "/docs", false);
    expect(page.status).toBe(200);
    expect(page.text).toContain('url: "/api/v1/openapi.json"');
    for (const asset of ["swagger-ui.css", "swagger-ui-bundle.js"]) {
      const r = await call("GET", `/docs/${asset}`, false);
      expect({ status: r.status, long: r.text.length > 10_000 }).toEqual({ status: 200, long: true });
    }
    expect((await call("GET", "/docs/../package.json", false)).status).toBe(404);
  });
});

describe("real answers match the document", () => {
  const data = "/api/v1/data/{name}/{version}";
  const build = "/api/v1/build/{name}/{version}";
  it("status, datasets", async () => {
    await expectDocumented("GET", "/status", "/api/v1/status", statusBody, false);
    await expectDocumented("GET", "/datasets", "/api/v1/datasets", datasetsBody);
    await expectDocumented("GET", "/datasets", "/api/v1/datasets", errorBody, false); // 401
  });

  it("build: ok, dry run, queued, errors", async () => {
    await expectDocumented("POST", "/build/t-root/0.1.0?start=2024-01-01&end=2024-01-10", build, statusBody);
    await expectDocumented("POST", "/build/t-root/0.1.0?start=2024-01-11&end=2024-01-12&dry-run=true", build, dryRunBody);
    const queued = await expectDocumented("POST", "/build/t-root/0.1.0?start=2024-02-01&end=2024-02-03&wait=false", build, queuedBody);
    expect(buildBody.parse(queued.body.build).dataset).toBe("t-root");
    await db.q("select ds.wait($1)", [queued.body.build.id]);
    await expectDocumented("POST", "/build/t-root/bad?start=2024-01-01&end=2024-01-02", build, errorBody); // 400
    await expectDocumented("POST", "/build/nope/0.1.0?start=2024-01-01&end=2024-01-02", build, errorBody); // 404
    await expectDocumented("POST", "/build/t-root/0.1.0?start=2024-01-01", build, errorBody); // 422
    await expectDocumented("POST", "/build/t-exit/0.1.0?start=2024-01-01&end=2024-01-01", build, errorBody); // 500
  });

  it("data: 200, 206, CSV, errors", async () => {
    await expectDocumented("GET", "/data/t-root/0.1.0?start=2024-01-01&end=2024-01-05", data, dataBody);
    await expectDocumented("GET", "/data/t-root/0.1.0?start=2024-03-01&end=2024-03-05&build-data=false", data, dataBody);
    const csv = await call("GET", "/data/t-root/0.1.0?start=2024-01-01&end=2024-01-02&format=csv");
    expect(csv).toMatchObject({ status: 200, type: "text/csv; charset=utf-8" });
    await expectDocumented("GET", "/data/t-root/0.1.0?start=2023-01-01&end=2023-01-02", data, errorBody); // 422 DS012
  });

  it("delete: 200 and 404", async () => {
    await expectDocumented("DELETE", "/data/t-root/0.1.0?start=2024-01-09&end=2024-01-10", data, deletedBody);
    await expectDocumented("DELETE", "/data/t-root/0.1.0?start=2030-01-01&end=2030-01-02", data, errorBody);
  });
});

describe("GET /data: key filters, limit, interval", () => {
  const day = "start=2024-01-02T14:30:00Z&end=2024-01-02T14:39:00Z";

  it("filters by a key field, and refuses a parameter that is not one (422)", async () => {
    const all = await call("GET", `/data/q-ohlcv/0.1.0?${day}`);
    expect(all.status, all.text).toBe(200);
    expect(new Set(all.body.rows.flatMap((r: { data: { ticker: string }[] }) => r.data.map((d) => d.ticker))).size).toBe(3);
    const bbb = await call("GET", `/data/q-ohlcv/0.1.0?${day}&ticker=BBB`);
    expect(bbb.status).toBe(200);
    expect(bbb.body.total_timestamps).toBe(10);
    expect(bbb.body.rows.map((r: { data: unknown[] }) => r.data.length)).toEqual(Array(10).fill(1));
    expect(bbb.body.rows.every((r: { data: { ticker: string }[] }) => r.data[0]!.ticker === "BBB")).toBe(true);
    const csv = await call("GET", `/data/q-ohlcv/0.1.0?${day}&ticker=BBB&format=csv`);
    expect(csv.text.trim().split("\n").slice(1).every((l) => l.split(",")[1] === "BBB")).toBe(true);
    const bad = await call("GET", `/data/q-ohlcv/0.1.0?${day}&colour=red`);
    expect(bad).toMatchObject({ status: 422, body: { detail: [{ loc: ["query", "colour"] }] } });
  });

  it("limit keeps the earliest timestamps", async () => {
    const r = await call("GET", `/data/q-ohlcv/0.1.0?${day}&limit=3`);
    expect(r.body.rows.map((x: { timestamp: string }) => x.timestamp)).toEqual(["2024-01-02T14:30:00", "2024-01-02T14:31:00", "2024-01-02T14:32:00"]);
    expect(r.body.returned_timestamps).toBe(3);
    expect((await call("GET", `/data/q-ohlcv/0.1.0?${day}&limit=0`)).status).toBe(422);
    const csv = await call("GET", `/data/q-ohlcv/0.1.0?${day}&limit=2&format=csv`);
    expect(csv.text.trim().split("\n")).toHaveLength(1 + 2 * 3);
  });

  it("interval=5m resamples to bars on the fly (ds.bars), per key", async () => {
    const r = await call("GET", `/data/q-ohlcv/0.1.0?${day}&interval=5m&ticker=AAA`);
    expect(r.status, r.text).toBe(200);
    expect(dataBody.parse(r.body).rows.map((x) => x.timestamp)).toEqual(["2024-01-02T14:30:00", "2024-01-02T14:35:00"]);
    const minutes = (await call("GET", `/data/q-ohlcv/0.1.0?${day}&ticker=AAA`)).body.rows.map((x: { data: { high: number; volume: number }[] }) => x.data[0]!);
    const first = r.body.rows[0].data[0];
    expect(first).toMatchObject({ ticker: "AAA", trades: 5, high: Math.max(...minutes.slice(0, 5).map((m: { high: number }) => m.high)),
      volume: minutes.slice(0, 5).reduce((a: number, m: { volume: number }) => a + m.volume, 0) });
    expect((await call("GET", `/data/q-ohlcv/0.1.0?${day}&interval=7x`)).status).toBe(422);
    expect((await call("GET", `/data/t-root/0.1.0?start=2024-01-01&end=2024-01-05&interval=1d`)).body.code).toBe("DS025");
  });
});
