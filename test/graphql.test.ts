/**
 * GraphQL over real HTTP against a real server (startHttpServer + the GraphQL mount) on a
 * test database with the fixture datasets and a worker: catalog, typed-table connections,
 * ds.data, the mutations, errors and authentication.
 */
import jwt from "jsonwebtoken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, parseApiKeys } from "../server/api-keys.ts";
import { createGraphqlMount } from "../server/graphql/mount.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";

const JWT_SECRET = "graphql-test-secret";
const key = generateApiKey("graphql-test");
const builderJwt = jwt.sign({ role: "ds_builder", sub: "ci" }, JWT_SECRET, { algorithm: "HS256", expiresIn: 300 });
const readerJwt = jwt.sign({ role: "ds_reader" }, JWT_SECRET, { algorithm: "HS256", expiresIn: 300 });

interface GqlResponse {
  status: number;
  data?: Record<string, any> | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

describe("GraphQL over HTTP", () => {
  const db = useWorkerDatabase("graphql");
  let server: RunningServer;

  async function gql(query: string, variables: Record<string, unknown> = {}, authorization?: string): Promise<GqlResponse> {
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, ...((await res.json()) as object) };
  }
  async function buildAndWait(dataset: string, start: string, end: string) {
    const { id } = await db.one<{ id: string }>("select ds.build($1, '0.1.0', $2, $3) as id", [dataset, start, end]);
    expect((await db.one<{ state: string }>("select ds.wait($1) as state", [id])).state).toBe("succeeded");
  }
  const asBuilder = (query: string, variables: Record<string, unknown> = {}) => gql(query, variables, `Bearer ${key.key}`);

  beforeAll(async () => {
    // a non-ds failure, to check that such errors are masked
    await db.q(`create function ds.test_internal_failure() returns integer language plpgsql stable as $$
                begin raise exception 'secret internal detail' using errcode = 'XX000'; end $$`);
    await buildAndWait("t-sparse", "2024-01-01", "2024-01-14");
    const ctx = { pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(key.entry), buildersDir: fixtureBuilders };
    server = await startHttpServer([await createGraphqlMount(ctx, { jwtSecret: JWT_SECRET })], { port: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("answers a catalog query: dataset versions, dependencies, coverage, calendars, builds", async () => {
    const r = await gql(`{
      dataset(name: "t-child", version: "0.1.0") { name granularity calendar dependencies isNewest tableName }
      sparse: dataset(name: "t-sparse", version: "0.1.0") { firstBuilt lastBuilt builtRanges coverage { start end } builds { totalCount } }
      datasets(filter: { name: { in: ["t-root", "t-sparse"] } }, orderBy: NAME_ASC) { totalCount nodes { name version } }
      calendars(orderBy: NAME_ASC) { nodes { name kind } }
      builds(filter: { dataset: { equalTo: "t-sparse" } }) { nodes { id state progress datasetVersion { name } } }
    }`);
    expect(r.errors).toBeUndefined();
    expect(r.data!.dataset).toEqual({
      name: "t-child", granularity: "1d", calendar: "everyday", isNewest: true, tableName: "ds_data.t_child_v0_1_0",
      dependencies: [{ name: "t-root", version: "0.1.0", lookback: "3d", window: "point" }],
    });
    expect(r.data!.sparse.builtRanges).toBe(1);
    expect(r.data!.sparse.firstBuilt).toMatch(/^2024-01-01T00:00:00/);
    expect(r.data!.sparse.lastBuilt).toMatch(/^2024-01-14T00:00:00/);
    expect(r.data!.sparse.coverage).toHaveLength(1);
    expect(new Date(r.data!.sparse.coverage[0].end).toISOString()).toBe("2024-01-15T00:00:00.000Z");
    expect(r.data!.sparse.builds.totalCount).toBe(1);
    expect(r.data!.datasets).toEqual({ totalCount: 2, nodes: [{ name: "t-root", version: "0.1.0" }, { name: "t-sparse", version: "0.1.0" }] });
    expect(r.data!.calendars.nodes.map((c: { name: string }) => c.name)).toContain("nyse-daily");
    expect(r.data!.builds.nodes).toEqual([expect.objectContaining({ state: "succeeded", progress: 1, datasetVersion: { name: "t-sparse" } })]);
  });

  it("pages a typed table: ts range and key filters, ordering, first/after/last, totalCount", async () => {
    const query = `query ($after: Cursor, $first: Int, $last: Int) {
      tSparseV0_1_0(
        filter: { ts: { greaterThanOrEqualTo: "2024-01-02", lessThanOrEqualTo: "2024-01-05" }, ticker: { in: ["AAA", "CCC"] } }
        orderBy: [TS_DESC, TICKER_ASC], first: $first, last: $last, after: $after
      ) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { ts ticker price } }
    }`;
    const day = (n: { ts: string; ticker: string }) => `${new Date(n.ts).getUTCDate()}${n.ticker}`;
    const page1 = await gql(query, { first: 3 });
    expect(page1.errors).toBeUndefined();
    const c1 = page1.data!.tSparseV0_1_0;
    expect(c1.totalCount).toBe(8); // Tuesday to Friday, two of the three tickers
    expect(c1.nodes.map(day)).toEqual(["5AAA", "5CCC", "4AAA"]);
    expect(c1.nodes[0].price).toBeCloseTo(5.0);
    expect(c1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await gql(query, { first: 3, after: c1.pageInfo.endCursor })).data!.tSparseV0_1_0;
    expect(page2.nodes.map(day)).toEqual(["4CCC", "3AAA", "3CCC"]);
    const tail = (await gql(query, { last: 2 })).data!.tSparseV0_1_0;
    expect(tail.nodes.map(day)).toEqual(["2AAA", "2CCC"]);
    const one = await gql(`{ tSparseV0_1_0ByTsAndTicker(ts: "2024-01-08", ticker: "BBB") { ts ticker price } }`);
    expect(one.data!.tSparseV0_1_0ByTsAndTicker).toEqual({ ts: expect.stringMatching(/^2024-01-08/), ticker: "BBB", price: null });
  });

  it("reads ds.data as a query, and builds first with build: true", async () => {
    const r = await gql(`{ data(dataset: "t-sparse", version: "0.1.0", startAt: "2024-01-05", endAt: "2024-01-06") { ts data } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data!.data.map((row: { data: unknown }) => row.data)).toEqual([
      { ticker: "AAA", price: 5 }, { ticker: "BBB", price: 5.1 }, { ticker: "CCC", price: 5.2 },
    ]);
    const built = await asBuilder(`{ data(dataset: "t-root", version: "0.1.0", startAt: "2024-03-01", endAt: "2024-03-03", build: true) { ts data } }`);
    expect(built.errors).toBeUndefined();
    expect(built.data!.data.map((row: { data: { value: number } }) => row.data.value)).toEqual([1, 2, 3]);
  });

  it("build returns the build row, which then succeeds", async () => {
    const r = await asBuilder(`mutation { build(dataset: "t-root", version: "0.1.0", startAt: "2024-01-01", endAt: "2024-01-20") { id dataset version state startAt endAt } }`);
    expect(r.errors).toBeUndefined();
    const build = r.data!.build;
    expect(build).toEqual(expect.objectContaining({ dataset: "t-root", version: "0.1.0", startAt: expect.stringMatching(/^2024-01-01T/) }));
    expect(["queued", "running", "succeeded"]).toContain(build.state);
    expect((await db.one<{ state: string }>("select ds.wait($1) as state", [build.id])).state).toBe("succeeded");
    const after = await gql(`query ($id: BigInt!) { build(id: $id) { state progress rowsWritten } }`, { id: build.id });
    expect(after.data!.build).toEqual({ state: "succeeded", progress: 1, rowsWritten: "20" });
  });

  it("cancel returns the cancelled build; DS015 for an unknown one", async () => {
    // a long build (years of points in many chunks) cannot finish before the cancel
    const { id } = (await asBuilder(`mutation { build(dataset: "t-child", version: "0.1.0", startAt: "2030-01-01", endAt: "2039-12-31") { id } }`)).data!.build;
    const r = await asBuilder(`mutation ($id: BigInt!) { cancel(id: $id) { id state } }`, { id });
    expect(r.errors).toBeUndefined();
    expect(r.data!.cancel).toEqual({ id, state: "cancelled" });
    // BigInt arguments are strings (int8 exceeds GraphQL's Int)
    const unknown = await asBuilder(`mutation { cancel(id: "987654") { id } }`);
    expect(unknown.errors![0]!.extensions!.code).toBe("DS015");
  });

  it("delete removes rows and returns count and first/last timestamps", async () => {
    await buildAndWait("t-root", "2024-02-01", "2024-02-10");
    const r = await asBuilder(`mutation { delete(dataset: "t-root", version: "0.1.0", startAt: "2024-02-03", endAt: "2024-02-04T12:00:00Z") { deleted firstTs lastTs } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data!.delete).toEqual({ deleted: "2", firstTs: expect.stringMatching(/^2024-02-03T00:00:00/), lastTs: expect.stringMatching(/^2024-02-04T00:00:00/) });
    expect((await db.one<{ n: number }>("select count(*)::int n from ds_data.t_root_v0_1_0 where ts between '2024-02-01' and '2024-02-10'")).n).toBe(8);
  });

  it("a ds error reaches the client with its SQLSTATE, message, detail and hint", async () => {
    const r = await gql(`{ data(dataset: "no-such-dataset", version: "0.1.0", startAt: "2024-01-01", endAt: "2024-01-02") { ts } }`);
    expect(r.data!.data).toBeNull();
    const [error] = r.errors!;
    expect(error!.extensions!.code).toBe("DS001");
    expect(error!.message).toMatch(/^dataset no-such-dataset\/0\.1\.0 not found/);
    expect(error!.extensions!.hint).toEqual(expect.any(String));
    const range = await asBuilder(`mutation { build(dataset: "t-root", version: "0.1.0", startAt: "2024-01-09", endAt: "2024-01-02") { id } }`);
    expect(range.errors![0]!.extensions!.code).toBe("DS012");
  });

  it("masks errors that are not datastream's", async () => {
    const r = await gql(`{ testInternalFailure }`);
    const [error] = r.errors!;
    expect(error!.message).not.toMatch(/secret/);
    expect(error!.message).toMatch(/An error occurred/);
    expect(error!.extensions?.code).toBeUndefined();
  });

  it("refuses mutations to anonymous requests and to reader JWTs", async () => {
    const mutation = `mutation { build(dataset: "t-root", version: "0.1.0", startAt: "2024-05-01", endAt: "2024-05-02") { id } }`;
    for (const r of [await gql(mutation), await gql(mutation, {}, `Bearer ${readerJwt}`)]) {
      expect(r.status).toBe(200);
      expect(r.data).toBeNull();
      expect(r.errors![0]!.extensions!.code).toBe("FORBIDDEN");
      expect(r.errors![0]!.message).toMatch(/API key or a JWT with role ds_builder/);
    }
    expect((await db.one<{ n: number }>("select count(*)::int n from ds.builds where start_at = '2024-05-01'")).n).toBe(0);
    // anonymous reads still work; reader JWTs too
    expect((await gql(`{ calendar(name: "nyse") { kind } }`, {}, `Bearer ${readerJwt}`)).data!.calendar).toEqual({ kind: "intraday" });
  });

  it("accepts an API key and a builder JWT", async () => {
    const mutation = `mutation { delete(dataset: "t-sparse", version: "0.1.0", startAt: "2025-01-01", endAt: "2025-01-02") { deleted } }`;
    expect(await asBuilder(mutation)).toEqual({ status: 200, data: { delete: { deleted: "0" } } });
    expect(await gql(mutation, {}, `Bearer ${builderJwt}`)).toEqual({ status: 200, data: { delete: { deleted: "0" } } });
  });

  it("answers 401 to an invalid API key or JWT", async () => {
    const forged = jwt.sign({ role: "ds_builder" }, "another secret", { algorithm: "HS256" });
    const expired = jwt.sign({ role: "ds_builder", exp: Math.floor(Date.now() / 1000) - 60 }, JWT_SECRET, { algorithm: "HS256" });
    const badRole = jwt.sign({ role: "postgres" }, JWT_SECRET, { algorithm: "HS256" });
    for (const authorization of ["Bearer ds_not_a_key", `Bearer ${forged}`, `Bearer ${expired}`, `Bearer ${badRole}`, "Basic abc"]) {
      const r = await gql(`{ calendars { totalCount } }`, {}, authorization);
      expect(r.status, authorization).toBe(401);
      expect(r.errors![0]!.extensions!.code).toBe("UNAUTHENTICATED");
    }
  });

  it("exposes a dataset registered while it runs once postgraphile_watch is notified", async () => {
    const query = `{ tLateV1_0_0(first: 1) { totalCount } }`;
    expect((await gql(query)).errors![0]!.message).toMatch(/tLateV1_0_0/);
    await db.q(`select ds.register_dataset($1::jsonb)`, [{
      name: "t-late", version: "1.0.0", builder: "builder.ts", calendar: "everyday", granularity: "1d", start_date: "2024-01-01",
      schema: [{ name: "x", type: "float", nullable: false }], key: [], dependencies: [],
    }]);
    await db.q(`select pg_notify('postgraphile_watch', '{"type":"manual"}')`);
    let r = await gql(query);
    for (let i = 0; i < 100 && r.errors; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      r = await gql(query);
    }
    expect(r).toEqual({ status: 200, data: { tLateV1_0_0: { totalCount: 0 } } });
  });

  it("serves GraphiQL (Ruru) at /graphiql and to browsers on GET /graphql", async () => {
    for (const path of ["/graphiql", "/graphql"]) {
      const res = await fetch(`${server.url}${path}`, { headers: { accept: "text/html" } });
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/ruru/i);
    }
  });
});
