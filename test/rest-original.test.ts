/**
 * The original builder server's 26 API tests (Wat-Street/datastream,
 * builders/server/tests/core/api/test_routes.py), replayed over real HTTP against a real
 * database and worker. Where the original mocked the service (a build that returns rows,
 * one that raises NoValidTimestampsError, a delete that fails), the same situation is made
 * for real: a weekend on a weekday calendar, a builder that kills its thread, a trigger that
 * raises. Each case keeps the original's assertions: status codes, exact bodies, the
 * phrases in `detail`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, parseApiKeys } from "../server/api-keys.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import { createRestMount } from "../server/rest/rest-mount.ts";
import { useTestDatabase } from "./support/test-database.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("rest-original");
const empty = useTestDatabase("rest-original-empty");
const { key, entry } = generateApiKey("original");
let server: RunningServer;
let emptyServer: RunningServer;

beforeAll(async () => {
  server = await startHttpServer([createRestMount({ pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(entry), buildersDir: fixtureBuilders })], { port: 0 });
  emptyServer = await startHttpServer([createRestMount({ pool: empty.pool, databaseUrl: empty.url, apiKeys: parseApiKeys(entry), buildersDir: fixtureBuilders })], { port: 0 });
});
afterAll(async () => {
  await server?.close();
  await emptyServer?.close();
});

async function call(method: string, path: string, on = server) {
  const res = await fetch(on.url + "/api/v1" + path, { method, headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, json: await res.json() as Record<string, any> };
}
const post = (path: string) => call("POST", path);
const get = (path: string) => call("GET", path);
const del = (path: string) => call("DELETE", path);

describe("POST /build (the original's 9 tests)", () => {
  it("test_build_endpoint_success: 200 {status: ok}", async () => {
    expect(await post("/build/t-root/0.1.0?start=2024-01-01&end=2024-01-31")).toEqual({ status: 200, json: { status: "ok" } });
  });

  it("test_build_endpoint_invalid_version: 400", async () => {
    expect((await post("/build/t-root/bad-version?start=2024-01-01&end=2024-01-31")).status).toBe(400);
  });

  it("test_build_endpoint_invalid_timestamp: 400", async () => {
    expect((await post("/build/t-root/0.1.0?start=not-a-date&end=2024-01-31")).status).toBe(400);
  });

  it("test_build_endpoint_internal_error: 500", async () => {
    expect((await post("/build/t-exit/0.1.0?start=2024-01-01&end=2024-01-31")).status).toBe(500);
  });

  it("test_build_endpoint_no_valid_timestamps: 422, 'no valid timestamps in range'", async () => {
    const r = await post("/build/t-counted/0.1.0?start=2024-01-06&end=2024-01-07");
    expect(r.status).toBe(422);
    expect(r.json.detail).toContain("no valid timestamps in range");
  });

  it("test_build_endpoint_dry_run_returns_rows", async () => {
    expect(await post("/build/t-sparse/0.1.0?start=2024-01-02&end=2024-01-02&dry-run=true")).toEqual({ status: 200, json: {
      dataset_name: "t-sparse", dataset_version: "0.1.0", dry_run: true,
      rows: [{ timestamp: "2024-01-02T00:00:00", data: [{ ticker: "AAA", price: 2 }, { ticker: "BBB", price: 2.1 }, { ticker: "CCC", price: 2.2 }] }],
    } });
  });

  it("test_build_endpoint_default_is_not_dry_run: {status: ok}, and the rows are stored", async () => {
    expect(await post("/build/t-sparse/0.1.0?start=2024-01-02&end=2024-01-02")).toEqual({ status: 200, json: { status: "ok" } });
    expect((await get("/data/t-sparse/0.1.0?start=2024-01-02&end=2024-01-02&build-data=false")).json.returned_timestamps).toBe(1);
  });

  it("test_build_endpoint_dry_run_empty_rows: rows == []", async () => {
    const r = await post("/build/t-sparse/0.1.0?start=2024-01-06&end=2024-01-07&dry-run=true"); // a weekend: no rows
    expect(r.status).toBe(200);
    expect(r.json.rows).toEqual([]);
  });

  it("test_build_endpoint_dry_run_no_valid_timestamps: 422", async () => {
    expect((await post("/build/t-counted/0.1.0?start=2024-01-06&end=2024-01-07&dry-run=true")).status).toBe(422);
  });
});

describe("GET /data (the original's 8 tests)", () => {
  it("test_data_endpoint_default_build_200", async () => {
    const r = await get("/data/t-root/0.1.0?start=2024-02-02&end=2024-02-02");
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ dataset_name: "t-root", dataset_version: "0.1.0", total_timestamps: 1, returned_timestamps: 1,
      rows: [{ timestamp: "2024-02-02T00:00:00", data: [{ value: 2 }] }] });
  });

  it("test_data_endpoint_no_build_complete_200", async () => {
    const r = await get("/data/t-root/0.1.0?start=2024-02-02&end=2024-02-02&build-data=false");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ total_timestamps: 1, returned_timestamps: 1 });
  });

  it("test_data_endpoint_no_build_incomplete_206", async () => {
    const r = await get("/data/t-root/0.1.0?start=2024-03-01&end=2024-03-03&build-data=false");
    expect(r.status).toBe(206);
    expect(r.json).toMatchObject({ total_timestamps: 3, returned_timestamps: 0, rows: [] });
  });

  it("test_data_endpoint_no_build_partial_206", async () => {
    const r = await get("/data/t-root/0.1.0?start=2024-02-02&end=2024-02-04&build-data=false");
    expect(r.status).toBe(206);
    expect(r.json.returned_timestamps).toBe(1);
  });

  it("test_data_endpoint_invalid_version: 400", async () => {
    expect((await get("/data/t-root/bad?start=2024-01-01&end=2024-01-31")).status).toBe(400);
  });

  it("test_data_endpoint_invalid_timestamp: 400", async () => {
    expect((await get("/data/t-root/0.1.0?start=bad&end=2024-01-31")).status).toBe(400);
  });

  it("test_data_endpoint_internal_error: 500", async () => {
    expect((await get("/data/t-exit/0.1.0?start=2024-02-01&end=2024-02-02")).status).toBe(500);
  });

  it("test_data_endpoint_no_valid_timestamps_422", async () => {
    const r = await get("/data/t-counted/0.1.0?start=2024-01-06&end=2024-01-07");
    expect(r.status).toBe(422);
    expect(r.json.detail).toContain("no valid timestamps in range");
  });
});

describe("DELETE /data (the original's 6 tests)", () => {
  it("test_delete_endpoint_success_200: the deleted count and the actual range", async () => {
    expect(await del("/data/t-root/0.1.0?start=2024-01-01T12:00:00&end=2024-01-31")).toEqual({ status: 200, json: {
      dataset_name: "t-root", dataset_version: "0.1.0", rows_deleted: 30, start: "2024-01-02T00:00:00", end: "2024-01-31T00:00:00" } });
  });

  it("test_delete_endpoint_invalid_version: 400", async () => {
    expect((await del("/data/t-root/x?start=2024-01-01&end=2024-01-31")).status).toBe(400);
  });

  it("test_delete_endpoint_invalid_timestamp: 400", async () => {
    expect((await del("/data/t-root/0.1.0?start=2024-01-01&end=later")).status).toBe(400);
  });

  it("test_delete_endpoint_unknown_dataset_404: 'not found'", async () => {
    const r = await del("/data/no-such/0.1.0?start=2024-01-01&end=2024-01-31");
    expect(r.status).toBe(404);
    expect(r.json.detail).toContain("not found");
  });

  it("test_delete_endpoint_no_data_in_range_404: 'no data'", async () => {
    const r = await del("/data/t-root/0.1.0?start=2030-01-01&end=2030-01-31");
    expect(r.status).toBe(404);
    expect(r.json.detail).toContain("no data");
  });

  it("test_delete_endpoint_internal_error_500", async () => {
    // a real fault the API cannot foresee: the table refuses the delete
    await db.pool.query(`create or replace function public.refuse_delete() returns trigger language plpgsql as $$ begin raise exception 'disk error'; end $$;
      create trigger refuse before delete on ds_store.t_root_v0_1_0 for each statement execute function public.refuse_delete()`);
    try {
      expect(await del("/data/t-root/0.1.0?start=2024-02-01&end=2024-02-02")).toEqual({ status: 500, json: { detail: "internal error" } });
    } finally {
      await db.pool.query("drop trigger refuse on ds_store.t_root_v0_1_0; drop function public.refuse_delete()");
    }
  });
});

describe("GET /datasets (the original's 3 tests)", () => {
  it("test_datasets_endpoint_returns_list", async () => {
    const r = await get("/datasets");
    expect(r.status).toBe(200);
    expect(r.json.datasets).toContainEqual({ name: "t-root", version: "0.1.0", has_data: true });
    expect(r.json.datasets).toContainEqual({ name: "t-left", version: "0.1.0", has_data: false });
  });

  it("test_datasets_endpoint_empty: {datasets: []}", async () => {
    expect(await call("GET", "/datasets", emptyServer)).toEqual({ status: 200, json: { datasets: [] } });
  });

  it("test_datasets_endpoint_internal_error: 500", async () => {
    await empty.pool.query("alter function ds_server.list_datasets() rename to list_datasets_moved");
    try {
      expect(await call("GET", "/datasets", emptyServer)).toEqual({ status: 500, json: { detail: "internal error" } });
    } finally {
      await empty.pool.query("alter function ds_server.list_datasets_moved() rename to list_datasets");
    }
  });
});
