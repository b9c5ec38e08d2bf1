/**
 * GET /api/v1/catalog (ds_server.catalog), the web UI's catalog: open without a key, in the
 * shape the OpenAPI document gives; each version's kind from its builder, exact row
 * counts, calendar points and built points, the ranges of chunks in flight, and its latest
 * build. No worker runs here, so a build stays in flight until cancelled.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApiKeys } from "../server/api-keys.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import { catalogBody } from "../server/rest/openapi.ts";
import { createRestMount } from "../server/rest/rest-mount.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";

describe("GET /api/v1/catalog", () => {
  const db = useWorkerDatabase("web_catalog", { worker: false });
  let server: RunningServer;
  beforeAll(async () => {
    server = await startHttpServer([createRestMount({ pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(""), buildersDir: fixtureBuilders })], { port: 0 });
  });
  afterAll(() => server?.close());

  async function catalog(query = "") {
    const res = await fetch(`${server.url}/api/v1/catalog${query}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(catalogBody.safeParse(body).success, JSON.stringify(catalogBody.safeParse(body).error?.issues.slice(0, 3))).toBe(true);
    return body.datasets as Array<Record<string, any>>;
  }

  it("is open, lists every version by name with its kind from its builder", async () => {
    const all = await catalog();
    const versions = (await db.q<{ n: string }>("select count(*) as n from ds.datasets"))[0]!.n;
    expect(all).toHaveLength(Number(versions));
    const kind = (name: string) => all.find((d) => d.name === name)!.kind;
    expect([kind("t-root"), kind("x-sum"), kind("w-prices"), kind("t-sql-sum")]).toEqual(["built", "transform", "written", "built"]);
    // a source (another engineer's kind, builder source:<kind>) maps to "source"
    await db.q("update ds_private.dataset_versions set builder = 'source:ccxt' where name = 't-tagged'");
    expect((await catalog("?name=t-tagged&version=0.1.0"))[0]!.kind).toBe("source");
    expect(await catalog("?name=no-such&version=0.1.0")).toEqual([]);
  });

  it("counts rows and built points against the calendar's points", async () => {
    await db.q(`select * from ds.write('w-prices', '0.1.0', '[
      {"ts": "2024-03-01T14:30:00Z", "ticker": "AAA", "close": 1}, {"ts": "2024-03-01T14:30:00Z", "ticker": "BBB", "close": 2},
      {"ts": "2024-03-01T14:31:00Z", "ticker": "AAA", "close": 3}]', tstzrange('2024-03-01T14:30:00Z', '2024-03-01T14:32:00Z'))`);
    const [w] = await catalog("?name=w-prices&version=0.1.0");
    const { points } = (await db.q<{ points: string }>("select ds_server.count_points('w-prices', '0.1.0', '2024-03-01', now())::text as points"))[0]!;
    expect(w).toMatchObject({ kind: "written", rows: 3, rows_estimated: false, built_points: 2, points: Number(points), stale: [], building: [], latest_build: null });
    expect(w!.coverage).toBeCloseTo(2 / Number(points), 12);
  });

  it("gives the ranges of chunks in flight and the latest build, until it is cancelled", async () => {
    const { id } = (await db.q<{ id: string }>("select ds.build('t-root', '0.1.0', '2024-01-01', '2024-01-10') as id"))[0]!;
    const [before] = await catalog("?name=t-root&version=0.1.0");
    expect(before!.building.map((r: { start: string; end: string }) => [new Date(r.start).toISOString(), new Date(r.end).toISOString()]))
      .toEqual([["2024-01-01T00:00:00.000Z", "2024-01-11T00:00:00.000Z"]]);
    expect(before!.latest_build).toMatchObject({ id: Number(id), state: "queued", progress: 0, error_code: null, finished_at: null });
    await db.q("select ds.cancel($1)", [id]);
    const [after] = await catalog("?name=t-root&version=0.1.0");
    expect(after!.building).toEqual([]);
    expect(after!.latest_build).toMatchObject({ id: Number(id), state: "cancelled" });
    expect(after!.rows).toBe(0);
  });
});
