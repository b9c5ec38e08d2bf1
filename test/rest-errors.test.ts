/**
 * The REST API's errors over real HTTP: API keys (401, /status open, fail closed without
 * API_KEYS), FastAPI's 422 for parameters, 400 bad version or timestamp, 404 unknown
 * dataset on every route, 422 no calendar points, 404/405 routes — each with its SQLSTATE.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, parseApiKeys } from "../server/api-keys.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import { createRestMount } from "../server/rest/rest-mount.ts";
import { knobs } from "./fixtures/builders/calls.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("rest_errors");
const { key, entry } = generateApiKey("tests");
let server: RunningServer;
let unconfigured: RunningServer;

beforeAll(async () => {
  const ctx = { pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(`other:${"0".repeat(64)},${entry}`), buildersDir: fixtureBuilders };
  server = await startHttpServer([createRestMount(ctx)], { port: 0 });
  unconfigured = await startHttpServer([createRestMount({ ...ctx, apiKeys: parseApiKeys(undefined) })], { port: 0 });
});
afterAll(async () => {
  await server?.close();
  await unconfigured?.close();
});

async function call(method: string, path: string, authorization: string | null = `Bearer ${key}`, on = server) {
  const res = await fetch(on.url + path, { method, headers: authorization ? { authorization } : {} });
  return { status: res.status, body: await res.json(), allow: res.headers.get("allow"), auth: res.headers.get("www-authenticate") };
}

const range = "start=2024-01-02&end=2024-01-03";
const routes: [string, string][] = [
  ["GET", "/api/v1/datasets"],
  ["POST", `/api/v1/build/t-root/0.1.0?${range}`],
  ["POST", `/api/v1/build/t-root/0.1.0?${range}&dry-run=true`],
  ["GET", `/api/v1/data/t-root/0.1.0?${range}`],
  ["DELETE", `/api/v1/data/t-root/0.1.0?${range}`],
];

describe("API keys", () => {
  it.each(routes)("%s %s answers 401 without a key, with a wrong key and with another scheme", async (method, path) => {
    expect(await call(method, path, null)).toMatchObject({ status: 401, body: { detail: "missing api key" }, auth: "Bearer" });
    expect(await call(method, path, "Bearer ds_wrong")).toMatchObject({ status: 401, body: { detail: "invalid api key" } });
    expect(await call(method, path, `Basic ${key}`)).toMatchObject({ status: 401, body: { detail: "missing api key" } });
  });

  it("keeps /status open, and accepts a configured key case-insensitively in the scheme", async () => {
    expect(await call("GET", "/api/v1/status", null)).toMatchObject({ status: 200, body: { status: "ok" } });
    expect((await call("GET", "/api/v1/datasets", `bearer ${key}`)).status).toBe(200);
  });

  it("fails closed without API_KEYS: every route but /status answers 401", async () => {
    expect(await call("GET", "/api/v1/status", null, unconfigured)).toMatchObject({ status: 200 });
    const res = await call("GET", "/api/v1/datasets", `Bearer ${key}`, unconfigured);
    expect(res).toMatchObject({ status: 401, body: { detail: expect.stringMatching(/^no API keys are configured/) } });
  });
});

describe("parameters", () => {
  it("answers 422 in FastAPI's shape for missing parameters and a bad boolean or format", async () => {
    expect(await call("GET", "/api/v1/data/t-root/0.1.0?start=2024-01-02")).toMatchObject({ status: 422, body: {
      detail: [{ type: "missing", loc: ["query", "end"], msg: "Field required", input: null }] } });
    expect(await call("POST", "/api/v1/build/t-root/0.1.0")).toMatchObject({ status: 422, body: {
      detail: [{ loc: ["query", "start"] }, { loc: ["query", "end"] }] } });
    expect(await call("GET", `/api/v1/data/t-root/0.1.0?${range}&build-data=maybe`)).toMatchObject({ status: 422, body: {
      detail: [{ type: "bool_parsing", loc: ["query", "build-data"], input: "maybe" }] } });
    expect((await call("GET", `/api/v1/data/t-root/0.1.0?${range}&format=xml`)).status).toBe(422);
  });

  it.each(["POST /api/v1/build", "GET /api/v1/data", "DELETE /api/v1/data"])("%s answers 400 for a bad version", async (route) => {
    const [method, path] = route.split(" ") as [string, string];
    expect(await call(method, `${path}/t-root/bad-version?${range}`)).toEqual(expect.objectContaining({
      status: 400, body: expect.objectContaining({ detail: expect.stringMatching(/invalid version 'bad-version'/), code: "DS002" }) }));
    expect((await call(method, `${path}/t-root/01.0.0?${range}`)).status).toBe(400);
  });

  it.each(["not-a-date", "2024-02-30", "2024-01-02T25:00", "2024-01-02+05:00", "2024-13-01"])("answers 400 for the timestamp %s", async (bad) => {
    for (const [method, path] of [["POST", "/api/v1/build"], ["GET", "/api/v1/data"], ["DELETE", "/api/v1/data"]] as const) {
      expect(await call(method, `${path}/t-root/0.1.0?start=${encodeURIComponent(bad)}&end=2024-01-03`)).toMatchObject({
        status: 400, body: { detail: "Invalid start/end timestamp", code: "22007" } });
    }
  });
});

describe("database errors", () => {
  it.each(routes.slice(1))("%s %s answers 404 for an unknown dataset", async (method, path) => {
    const res = await call(method, path.replace("t-root", "no-such-dataset"));
    expect(res).toMatchObject({ status: 404, body: { code: "DS001", detail: expect.stringMatching(/^dataset no-such-dataset\/0\.1\.0 not found/) } });
    expect(res.body.hint).toMatch(/ds sync/);
    expect((await call(method, path.replace("0.1.0", "9.9.9"))).body).toMatchObject({ code: "DS001" });
  });

  it.each([
    ["POST", "/api/v1/build/t-counted/0.1.0?start=2024-01-06&end=2024-01-07"],
    ["POST", "/api/v1/build/t-counted/0.1.0?start=2024-01-06&end=2024-01-07&dry-run=true"],
    ["GET", "/api/v1/data/t-counted/0.1.0?start=2024-01-06&end=2024-01-07"],
    ["GET", "/api/v1/data/t-counted/0.1.0?start=2024-01-06&end=2024-01-07&build-data=false"],
  ])("%s %s answers 422 for a range without calendar points", async (method, path) => {
    expect(await call(method, path)).toMatchObject({ status: 422, body: { code: "DS013", detail: expect.stringMatching(/^no valid timestamps in range/) } });
  });

  it.each([
    ["POST", "/api/v1/build/t-root/0.1.0?start=2023-01-01&end=2023-12-31"],
    ["POST", "/api/v1/build/t-root/0.1.0?start=2023-01-01&end=2023-12-31&dry-run=true"],
    ["GET", "/api/v1/data/t-root/0.1.0?start=2023-01-01&end=2023-12-31"],
    ["GET", "/api/v1/data/t-root/0.1.0?start=2023-01-01&end=2023-12-31&build-data=false"],
  ])("%s %s answers 422 DS012 for a range that ends before the start date, on every route", async (method, path) => {
    expect(await call(method, path)).toMatchObject({ status: 422, body: { code: "DS012", detail: expect.stringMatching(/^t-root 0\.1\.0 starts on /) } });
  });

  it("answers 422 for a start after the end (DS012)", async () => {
    expect(await call("GET", "/api/v1/data/t-root/0.1.0?start=2024-01-05&end=2024-01-02")).toMatchObject({ status: 422, body: { code: "DS012" } });
    expect(await call("POST", "/api/v1/build/t-root/0.1.0?start=2024-01-05&end=2024-01-02")).toMatchObject({ status: 422, body: { code: "DS012" } });
  });

  it("answers 500 with the builder's error when build-data=true meets a failing build (DS021)", async () => {
    knobs.badMode = 1; // a float for an int on the 3rd: a validation error, not retried
    try {
      const res = await call("GET", "/api/v1/data/t-bad/0.1.0?start=2024-01-03&end=2024-01-03");
      expect(res).toMatchObject({ status: 500, body: { code: "DS021", detail: expect.stringMatching(/failed.*value/s) } });
    } finally {
      delete knobs.badMode;
    }
  });
});

describe("routes", () => {
  it("answers 404 for an unknown path and 405 with Allow for a wrong method", async () => {
    expect(await call("GET", "/api/v1/nothing")).toMatchObject({ status: 404, body: { detail: "Not Found" } });
    expect(await call("PUT", `/api/v1/data/t-root/0.1.0?${range}`)).toMatchObject({ status: 405, body: { detail: "Method Not Allowed" }, allow: "GET, DELETE, POST" });
    expect(await call("GET", `/api/v1/build/t-root/0.1.0?${range}`)).toMatchObject({ status: 405, allow: "POST" });
  });
});
