/**
 * POST /api/v1/data/{name}/{version} over real HTTP against a real database and an
 * in-process worker: JSON and CSV bodies through ds.write / ds.import_staged, with the
 * dataset's conflict policy, coverage and the refresh of dependents, every schema type
 * through JSON, and every error path answered with its status and code, writing nothing.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, parseApiKeys } from "../server/api-keys.ts";
import { resolveLimits } from "../server/request-limits.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import { errorBody, openApiDocument, writtenBody } from "../server/rest/openapi.ts";
import { createRestMount } from "../server/rest/rest-mount.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("http-writes");
const { key, entry } = generateApiKey("writer");
let server: RunningServer;
const MAX_BYTES = 4096;

beforeAll(async () => {
  const ctx = { pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(entry), buildersDir: fixtureBuilders, limits: resolveLimits({ maxWriteBytes: MAX_BYTES }) };
  server = await startHttpServer([createRestMount(ctx)], { port: 0 });
});
afterAll(() => server?.close());

async function post(path: string, payload: string | undefined, type: string | null = "application/json", authorization: string | null = `Bearer ${key}`) {
  const headers: Record<string, string> = {};
  if (type) headers["content-type"] = type;
  if (authorization) headers.authorization = authorization;
  const res = await fetch(server.url + path, { method: "POST", headers, body: payload });
  const text = await res.text();
  const body: any = (res.headers.get("content-type") ?? "").startsWith("application/json") ? JSON.parse(text) : text;
  // every answer is what the OpenAPI document says for its status
  const doc = openApiDocument() as unknown as { paths: Record<string, { post: { responses: Record<string, unknown> } }> };
  expect(Object.keys(doc.paths["/api/v1/data/{name}/{version}"]!.post.responses)).toContain(String(res.status));
  (res.status === 200 ? writtenBody : errorBody).parse(body);
  return { status: res.status, body };
}

const tick = (seq: number, ts = "2024-03-01T14:30:00Z", ticker = "AAA") => ({ ts, ticker, seq, price: 10 + seq / 4, size: seq });
const ticks = () => db.q("select ticker, seq, price, size from ds_data.w_ticks_v0_1_0 order by ticker, seq");
const count = (table: string) => db.one<{ n: number }>(`select count(*)::int as n from ds_data.${table}`).then((r) => r.n);

describe("POST /api/v1/data with JSON rows", () => {
  it("writes an array of rows and answers what was written", async () => {
    const r = await post("/api/v1/data/w-ticks/0.1.0", JSON.stringify([tick(1), tick(2, "2024-03-01T14:31:00.25Z")]));
    expect(r).toEqual({ status: 200, body: { dataset_name: "w-ticks", dataset_version: "0.1.0", written: 2, first: "2024-03-01T14:30:00Z", last: "2024-03-01T14:31:00.25Z" } });
    expect(await ticks()).toEqual([{ ticker: "AAA", seq: 1, price: 10.25, size: 1 }, { ticker: "AAA", seq: 2, price: 10.5, size: 2 }]);
    // coverage: the two 1-minute slots hold rows
    expect(await db.q("select * from ds.missing('w-ticks', '0.1.0', '2024-03-01 14:30Z', '2024-03-01 14:31Z')")).toEqual([]);
  });

  it('takes {"rows": [...]} too, with last-write-wins, and counts an identical row as not written', async () => {
    const r = await post("/api/v1/data/w-ticks/0.1.0", JSON.stringify({ rows: [tick(1), { ...tick(2, "2024-03-01T14:31:00.25Z"), price: 99 }] }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ written: 1, first: "2024-03-01T14:31:00.25Z", last: "2024-03-01T14:31:00.25Z" });
    expect((await ticks())[1]).toEqual({ ticker: "AAA", seq: 2, price: 99, size: 2 });
  });

  it("declares a range complete with covers=START/END", async () => {
    const r = await post("/api/v1/data/w-ticks/0.1.0?covers=2024-03-01T15:00Z/2024-03-01T15:09Z", "[]");
    expect(r.body).toMatchObject({ written: 0, first: null, last: null });
    expect(await db.q("select * from ds.missing('w-ticks', '0.1.0', '2024-03-01 15:00Z', '2024-03-01 15:09Z')")).toEqual([]);
  });

  it("refreshes dependents on write (w-live-5m is rebuilt by the worker)", async () => {
    const bars = [0, 1, 2, 3, 4].map((m) => ({ ts: `2024-03-01T14:3${m}:00Z`, ticker: "AAA", open: 10, high: 11 + m, low: 9, close: 10.5, volume: 1 }));
    expect((await post("/api/v1/data/w-live/0.1.0", JSON.stringify(bars))).body).toMatchObject({ written: 5 });
    const { id } = await db.one<{ id: number }>("select max(id) as id from ds.builds where dataset = 'w-live-5m'");
    expect((await db.one<{ s: string }>("select ds.wait($1, '60 seconds') as s", [id])).s).toBe("succeeded");
    expect(await db.q("select ticker, high, trades from ds_data.w_live_5m_v0_1_0")).toEqual([{ ticker: "AAA", high: 15, trades: 5 }]);
  });

  it("applies conflict = reject: a stored row is a 409 (DS027) and nothing of the batch is written", async () => {
    const row = (sensor: string) => ({ ts: "2024-01-01T05:00:00Z", sensor, value: 1 });
    expect((await post("/api/v1/data/w-rejects/0.1.0", JSON.stringify([row("a")]))).status).toBe(200);
    const r = await post("/api/v1/data/w-rejects/0.1.0", JSON.stringify([row("b"), row("a")]));
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ code: "DS027", detail: expect.stringMatching(/a row exists at 2024-01-01T05:00:00Z for key \{"sensor": "a"\}/) });
    expect(await count("w_rejects_v0_1_0")).toBe(1);
  });
});

describe("POST /api/v1/data: every schema type through JSON", () => {
  const FIELDS = ["s", "i", "f", "n", "b", "d", "t", "j"];
  const VALUES = { s: "x", i: 3, f: 1.5, n: "12.25", b: true, d: "2024-01-02", t: "2024-01-02T10:00:00Z", j: { a: [1] } };
  const TEXT = { s: "x", i: "3", f: "1.5", n: "12.25", b: "true", d: "2024-01-02", t: "2024-01-02 10:00:00+00", j: '{"a": [1]}' };
  const NULLS = Object.fromEntries(FIELDS.map((f) => [f, null]));
  const stored = (table: string, where: string) => db.one(`select ${FIELDS.map((f) => `${f}::text`).join(", ")} from ds_data.${table} where ${where}`);

  it("writes a null and a value of every nullable type", async () => {
    const r = await post("/api/v1/data/w-nullable/0.1.0", JSON.stringify([{ ts: "2024-01-02", k: "null", ...NULLS }, { ts: "2024-01-02", k: "value", ...VALUES }]));
    expect(r.body).toMatchObject({ written: 2 });
    expect(await stored("w_nullable_v0_1_0", "k = 'null'")).toEqual(NULLS);
    expect(await stored("w_nullable_v0_1_0", "k = 'value'")).toEqual(TEXT);
  });

  it("writes a value of every type that is not nullable, and keeps a numeric's every digit", async () => {
    const body = `[{"ts": "2024-02-01", "s": "x", "i": 3, "f": 1.5, "n": 12345678901234567890.123456789, "b": true, "d": "2024-01-02", "t": "2024-01-02T10:00:00Z", "j": {"a": [1]}, "opt": null}]`;
    expect((await post("/api/v1/data/w-types/0.1.0", body)).body).toMatchObject({ written: 1 });
    expect(await stored("w_types_v0_1_0", "ts = '2024-02-01'")).toEqual({ ...TEXT, n: "12345678901234567890.123456789" });
  });

  it("refuses a value of the wrong JSON type for each type (422, DS017 naming the row), writing nothing", async () => {
    const wrong = { s: 1, i: 1.5, f: "x", n: true, b: "yes", d: 5, t: false, j: undefined };
    for (const [field, value] of Object.entries(wrong)) {
      if (value === undefined) continue;
      const r = await post("/api/v1/data/w-types/0.1.0", JSON.stringify([{ ts: "2024-02-02", ...VALUES, opt: null }, { ts: "2024-02-03", ...VALUES, opt: null, [field]: value }]));
      expect(r.status, field).toBe(422);
      expect(r.body, field).toMatchObject({ code: "DS017", detail: expect.stringContaining(`rows[1]: field "${field}"`) });
    }
    expect(await db.one("select count(*)::int as n from ds_data.w_types_v0_1_0 where ts > '2024-02-01'")).toEqual({ n: 0 });
  });
});

describe("POST /api/v1/data with a CSV body", () => {
  it("writes a CSV with its header in any order, quoted cells and a null", async () => {
    const csv = 'seq,ts,"ticker",price,size\n10,2024-03-01T14:40:00Z,BBB,1.5,\n11,2024-03-01T14:40:00.000001Z,"B,B",2,7\n';
    const r = await post("/api/v1/data/w-nullable/0.1.0", "ts,k,s,i,f,n,b,d,t,j\n2024-01-05,csv,,,,,,,,\n", "text/csv; charset=utf-8");
    expect(r).toMatchObject({ status: 200, body: { written: 1, first: "2024-01-05T00:00:00Z" } });
    expect(await db.one("select s from ds_data.w_nullable_v0_1_0 where k = 'csv'")).toEqual({ s: null });
    const bad = await post("/api/v1/data/w-ticks/0.1.0", csv, "text/csv");
    expect(bad.status).toBe(422); // size is not nullable
    expect(bad.body).toMatchObject({ code: "DS017", detail: expect.stringContaining("body line 2") });
    const ok = await post("/api/v1/data/w-ticks/0.1.0", csv.replace("1.5,\n", "1.5,3\n"), "text/csv");
    expect(ok).toMatchObject({ status: 200, body: { written: 2, first: "2024-03-01T14:40:00Z", last: "2024-03-01T14:40:00.000001Z" } });
    expect(await db.q("select ticker, seq, size from ds_data.w_ticks_v0_1_0 where seq >= 10 order by seq")).toEqual([{ ticker: "BBB", seq: 10, size: 3 }, { ticker: "B,B", seq: 11, size: 7 }]);
  });

  it("streams a body of many chunks (header split across chunks)", async () => {
    const lines = Array.from({ length: 60 }, (_, i) => `2024-03-01T15:${String(i).padStart(2, "0")}:00Z,CCC,${i},1.25,${i}`);
    const parts = ["ts,tic", "ker,seq,price,size\n", ...lines.map((l) => `${l}\n`)];
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${server.url}/api/v1/data/w-ticks/0.1.0`, { method: "POST", headers: { "content-type": "text/csv", authorization: `Bearer ${key}` } }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c)).on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
      (async () => {
        for (const p of parts) {
          req.write(p);
          await new Promise((r) => setTimeout(r, 2));
        }
        req.end();
      })().catch(reject);
    });
    expect(status.status).toBe(200);
    expect(JSON.parse(status.body)).toMatchObject({ written: 60 });
    expect(await db.one("select count(*)::int as n from ds_data.w_ticks_v0_1_0 where ticker = 'CCC'")).toEqual({ n: 60 });
  });

  it("refuses a bad header (DS017, line 1), a bad cell (DS017 naming line and column) and an empty body (DS057)", async () => {
    const before = await count("w_ticks_v0_1_0");
    const unknown = await post("/api/v1/data/w-ticks/0.1.0", "ts,ticker,seq,price,size,extra\n", "text/csv");
    expect(unknown).toMatchObject({ status: 422, body: { code: "DS017", detail: expect.stringContaining('body line 1: unknown column "extra"') } });
    const missing = await post("/api/v1/data/w-ticks/0.1.0", "ts,ticker,seq,price\n", "text/csv");
    expect(missing).toMatchObject({ status: 422, body: { code: "DS017", detail: expect.stringContaining('no column "size"') } });
    const cell = await post("/api/v1/data/w-ticks/0.1.0", "ts,ticker,seq,price,size\n2024-03-01T16:00Z,DDD,1,1,1\n2024-03-01T16:00Z,DDD,2,abc,1\n", "text/csv");
    expect(cell).toMatchObject({ status: 422, body: { code: "DS017", detail: expect.stringContaining("body line 3, column price") } });
    const empty = await post("/api/v1/data/w-ticks/0.1.0", "", "text/csv");
    expect(empty).toMatchObject({ status: 400, body: { code: "DS057" } });
    expect(await count("w_ticks_v0_1_0")).toBe(before);
  });
});

describe("POST /api/v1/data: errors write nothing", () => {
  const path = "/api/v1/data/w-ticks/0.1.0";
  const one = JSON.stringify([tick(50, "2024-03-01T17:00:00Z")]);
  let before = 0;
  beforeAll(async () => {
    before = await count("w_ticks_v0_1_0");
  });
  afterAll(async () => {
    expect(await count("w_ticks_v0_1_0")).toBe(before);
  });

  it("401 without a key or with a wrong one", async () => {
    expect(await post(path, one, "application/json", null)).toMatchObject({ status: 401, body: { detail: "missing api key" } });
    expect(await post(path, one, "application/json", "Bearer ds_wrong")).toMatchObject({ status: 401, body: { detail: "invalid api key" } });
  });

  it("404 for an unknown dataset (DS001), 400 for a bad version (DS002), 422 for a built dataset (DS028)", async () => {
    expect(await post("/api/v1/data/no-such/0.1.0", one)).toMatchObject({ status: 404, body: { code: "DS001" } });
    expect(await post("/api/v1/data/w-ticks/abc", one)).toMatchObject({ status: 400, body: { code: "DS002" } });
    expect(await post("/api/v1/data/t-root/0.1.0", JSON.stringify([{ ts: "2024-01-02", value: 1 }]))).toMatchObject({ status: 422, body: { code: "DS028" } });
    expect(await post("/api/v1/data/t-root/0.1.0", "ts,value\n2024-01-02,1\n", "text/csv")).toMatchObject({ status: 422, body: { code: "DS028" } });
  });

  it("422 for a bad row (DS017 naming it), 400 for an infinite ts (DS035)", async () => {
    const missingField = await post(path, JSON.stringify([tick(51), { ts: "2024-03-01T17:00:00Z", ticker: "X", seq: 1, price: 1 }]));
    expect(missingField).toMatchObject({ status: 422, body: { code: "DS017", detail: expect.stringContaining('rows[1]: has no field "size"') } });
    const early = await post(path, JSON.stringify([tick(52, "2020-01-01T00:00:00Z")]));
    expect(early).toMatchObject({ status: 422, body: { code: "DS017", detail: expect.stringContaining("before the start date") } });
    expect(await post(path, JSON.stringify([tick(53, "infinity")]))).toMatchObject({ status: 400, body: { code: "DS035" } });
  });

  it("400 for a body that is not rows (DS057), 415 for another content type", async () => {
    expect(await post(path, "[{")).toMatchObject({ status: 400, body: { code: "DS057", detail: expect.stringContaining("not JSON") } });
    expect(await post(path, '{"rows": 1}')).toMatchObject({ status: 400, body: { code: "DS057" } });
    expect(await post(path, '{"rows": [], "other": 1}')).toMatchObject({ status: 400, body: { code: "DS057" } });
    expect(await post(path, '"text"')).toMatchObject({ status: 400, body: { code: "DS057" } });
    expect(await post(path, one, "text/plain")).toMatchObject({ status: 415, body: { code: "DS057" } });
    expect(await post(path, one, null)).toMatchObject({ status: 415, body: { code: "DS057" } });
    expect(await post(`${path}?covers=2024-03-01`, one)).toMatchObject({ status: 400, body: { code: "DS057" } });
    expect(await post(`${path}?covers=2024-03-01/never`, one)).toMatchObject({ status: 400, body: { code: "22007" } });
  });

  it("413 past DS_MAX_WRITE_BYTES (DS058), told by Content-Length or met while streaming", async () => {
    const big = JSON.stringify(Array.from({ length: 100 }, (_, i) => tick(100 + i)));
    expect(big.length).toBeGreaterThan(MAX_BYTES);
    expect(await post(path, big)).toMatchObject({ status: 413, body: { code: "DS058" } });
    const csv = `ts,ticker,seq,price,size\n${Array.from({ length: 200 }, (_, i) => `2024-03-01T18:00:00Z,EEE,${i},1,1`).join("\n")}\n`;
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${server.url}${path}`, { method: "POST", headers: { "content-type": "text/csv", authorization: `Bearer ${key}` } }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c)).on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
      for (let i = 0; i < csv.length; i += 512) req.write(csv.slice(i, i + 512));
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ code: "DS058" });
  });
});
