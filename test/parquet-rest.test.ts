/**
 * REST `format=parquet` on GET /api/v1/data/{name}/{version} (issue 10, point 3): a
 * streamed Parquet body (application/vnd.apache.parquet, chunked) that DuckDB reads back
 * as the stored rows; 206 when points are unbuilt; errors before the first byte are the
 * usual JSON errors with their status.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, parseApiKeys } from "../server/api-keys.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import { createRestMount } from "../server/rest/rest-mount.ts";
import { useTestDatabase } from "./support/test-database.ts";

const db = useTestDatabase("parquet-rest");
const dir = mkdtempSync(join(tmpdir(), "ds-parquet-rest-"));
const { key, entry } = generateApiKey("tests");
let server: RunningServer;
let duck: DuckDBConnection;
const q = async <T = Record<string, unknown>>(sql: string, params?: unknown[]) => (await db.pool.query(sql, params)).rows as T[];

const ROWS = 250_000; // three row groups

beforeAll(async () => {
  await q("select ds.register_dataset($1::jsonb)", [JSON.stringify({
    name: "pq-rest", version: "0.1.0", calendar: "everyday", granularity: "1d", start_date: "2024-01-01", key: ["k"],
    schema: [{ name: "k", type: "int" }, { name: "v", type: "float" }, { name: "note", type: "str", nullable: true }],
    write: { conflict: "last-write-wins" },
  })]);
  const client = await db.pool.connect();
  try {
    await client.query("begin");
    await client.query("create temp table s (like ds_store.pq_rest_v0_1_0 including defaults) on commit drop");
    await client.query(`insert into s select timestamptz '2024-01-02' + (i % 3) * interval '1 day', i, i / 8.0, case when i % 5 = 0 then null else 'n' || i end
      from generate_series(1, ${ROWS}) i`);
    await client.query("select ds.import_staged('pq-rest', '0.1.0', 's'::regclass)");
    await client.query("commit");
  } finally {
    client.release();
  }
  server = await startHttpServer([createRestMount({ pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(entry), buildersDir: dir })], { port: 0 });
  duck = await (await DuckDBInstance.create(":memory:")).connect();
});
afterAll(async () => {
  duck?.closeSync();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string) => fetch(server.url + path, { headers: { authorization: `Bearer ${key}` } });

describe("GET /api/v1/data/{name}/{version}?format=parquet", () => {
  it("streams the rows as a Parquet file that DuckDB reads back", async () => {
    const res = await get("/api/v1/data/pq-rest/0.1.0?start=2024-01-02&end=2024-01-04&format=parquet");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.apache.parquet");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="pq-rest-0.1.0.parquet"');
    expect(res.headers.get("transfer-encoding")).toBe("chunked");
    expect(res.headers.get("content-length")).toBeNull();
    const file = join(dir, "rest.parquet");
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const groups = await duck.runAndReadAll(`select count(distinct row_group_id)::int as n from parquet_metadata('${file}')`);
    expect(groups.getRowObjectsJson()).toEqual([{ n: 3 }]);
    const summary = await duck.runAndReadAll(`select count(*)::int as rows, sum(k)::bigint::varchar as k, sum(v)::bigint::varchar as v,
      count(note)::int as notes, min(ts)::varchar as first from read_parquet('${file}')`);
    const [pg] = await q(`select count(*)::int as rows, sum(k)::text as k, sum(v)::bigint::text as v, count(note)::int as notes from ds_data.pq_rest_v0_1_0`);
    expect(summary.getRowObjectsJson()).toEqual([{ ...pg, first: "2024-01-02 00:00:00+00" }]);
    // in ts then key order, like every read
    const order = await duck.runAndReadAll(`select bool_and(ok) as ok from (select (ts, k) >= lag((ts, k)) over () is not false as ok from read_parquet('${file}'))`);
    expect(order.getRowObjectsJson()).toEqual([{ ok: true }]);
  });

  it("answers 206 when points of the range are not written and build-data=false", async () => {
    const res = await get("/api/v1/data/pq-rest/0.1.0?start=2024-01-02&end=2024-01-09&format=parquet&build-data=false");
    expect(res.status).toBe(206);
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });

  it("stops when the client goes away mid-file, and the server's connections stay usable", async () => {
    const abort = new AbortController();
    const res = await fetch(server.url + "/api/v1/data/pq-rest/0.1.0?start=2024-01-02&end=2024-01-04&format=parquet", { headers: { authorization: `Bearer ${key}` }, signal: abort.signal });
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    abort.abort();
    await reader.read().catch(() => undefined);
    // more requests than the read pool has connections: every one of them answers
    for (let i = 0; i < 12; i++) {
      const again = await get("/api/v1/data/pq-rest/0.1.0?start=2024-01-09&end=2024-01-09&build-data=false");
      expect(again.status).toBe(206); // a day without rows: a cheap read on the read pool
      await again.text();
    }
    const active = await q("select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'copy (select%' and state = 'active'");
    expect(active).toEqual([{ n: 0 }]);
  });

  it("refuses before the first byte with the usual JSON errors", async () => {
    const unknown = await get("/api/v1/data/pq-nope/0.1.0?start=2024-01-02&end=2024-01-04&format=parquet");
    expect([unknown.status, (await unknown.json()).code]).toEqual([404, "DS001"]);
    const format = await get("/api/v1/data/pq-rest/0.1.0?start=2024-01-02&end=2024-01-04&format=xml");
    expect([format.status, (await format.json()).detail[0].msg]).toEqual([422, "Input should be 'json' or 'csv' or 'parquet'"]);
    const filtered = await get("/api/v1/data/pq-rest/0.1.0?start=2024-01-02&end=2024-01-04&format=parquet&k=3");
    expect([filtered.status, (await filtered.json()).detail]).toEqual([422, "format=parquet answers the whole range: drop k"]);
    const limited = await get("/api/v1/data/pq-rest/0.1.0?start=2024-01-02&end=2024-01-04&format=parquet&limit=5");
    expect([limited.status, (await limited.json()).detail]).toEqual([422, "format=parquet answers the whole range: drop limit"]);
    const range = await get("/api/v1/data/pq-rest/0.1.0?start=2024-01-05&end=2024-01-02&format=parquet");
    expect([range.status, (await range.json()).code]).toEqual([422, "DS012"]);
  });
});
