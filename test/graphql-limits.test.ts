/**
 * GraphQL limits (DS034) over real HTTP: the attack of issue 7 (one anonymous POST of 200
 * aliases x first: 100000) is refused at once and the server keeps serving; first/last,
 * aliases, depth, cost and body size; a default page for connections without first/last;
 * the statement timeout of anonymous requests; the SQL row limit carried into GraphQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, parseApiKeys } from "../server/api-keys.ts";
import { createGraphqlMount } from "../server/graphql/mount.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import { resolveLimits, type RequestLimits } from "../server/request-limits.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";

interface GqlResponse {
  status: number;
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

const key = generateApiKey("limits-test");
const db = useWorkerDatabase("graphql_limits");
const servers: RunningServer[] = [];
let server: RunningServer; // the default limits
let small: RunningServer; // maxFirst 3, maxRows 5, a 300 ms anonymous statement timeout

/** Explicit limits, so that DS_* variables of the environment do not change the test. */
const defaults = { maxFirst: 10_000, maxAliases: 30, maxDepth: 10, maxCost: 50_000, maxBodyBytes: 102_400, anonymousStatementTimeout: "10s" };

async function serve(limits: Partial<RequestLimits>): Promise<RunningServer> {
  const ctx = { pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(key.entry), buildersDir: fixtureBuilders,
    limits: resolveLimits({ ...defaults, ...limits }, {}) };
  const s = await startHttpServer([await createGraphqlMount(ctx)], { port: 0 });
  servers.push(s);
  return s;
}

async function gql(on: RunningServer, query: string, variables: Record<string, unknown> = {}, authorization?: string): Promise<GqlResponse> {
  const res = await fetch(`${on.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, ...((await res.json()) as object) };
}

const normalQuery = `{ tRootV0_1_0(orderBy: TS_ASC, first: 3) { totalCount nodes { ts value } } }`;

beforeAll(async () => {
  const { id } = await db.one<{ id: number }>("select ds.build('t-root', '0.1.0', '2024-03-01', '2024-03-10') as id");
  expect((await db.one<{ s: string }>("select ds.wait($1) as s", [id])).s).toBe("succeeded");
  // a slow query anyone may run, to meet the statement timeout
  await db.q(`create function ds.test_slow() returns integer language sql stable as 'select 1 from pg_sleep(3)'`);
  server = await serve({});
  small = await serve({ maxFirst: 3, maxRows: 5, anonymousStatementTimeout: "300ms" });
});
afterAll(async () => {
  for (const s of servers) await s.close();
});

describe("the attack of issue 7", () => {
  it("answers one anonymous POST of 200 aliases x first: 100000 with DS034 at once, and keeps serving", async () => {
    const aliases = Array.from({ length: 200 }, (_, i) => `a${i}: tRootV0_1_0(first: 100000) { nodes { ts value } }`).join("\n");
    const query = `{ ${aliases} }`;
    expect(query.length).toBeGreaterThan(10_000);
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    const r = await gql(server, query);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.errors?.[0]?.extensions?.code).toBe("DS034");
    expect(r.data ?? null).toBeNull();
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
    const after = await gql(server, normalQuery);
    expect(after.errors).toBeUndefined();
    expect(after.data!.tRootV0_1_0.nodes).toHaveLength(3);
  });
});

describe("operation limits (DS034)", () => {
  it("refuses first or last over maxFirst, given literally or in a variable, with the limit in the message", async () => {
    const literal = await gql(server, `{ tRootV0_1_0(first: 10001) { nodes { ts } } }`);
    expect(literal.errors?.[0]?.extensions).toMatchObject({ code: "DS034", limit: "maxFirst", max: 10_000 });
    expect(literal.errors?.[0]?.message).toMatch(/at most 10000 rows per page/);
    const variable = await gql(server, `query($n: Int) { tRootV0_1_0(last: $n) { nodes { ts } } }`, { n: 100_000 });
    expect(variable.errors?.[0]?.extensions?.code).toBe("DS034");
    const nulled = await gql(server, `query($n: Int) { tRootV0_1_0(first: $n) { nodes { ts } } }`, { n: null });
    expect(nulled.errors?.[0]?.extensions?.code).toBe("DS034");
    expect((await gql(server, `query($n: Int) { tRootV0_1_0(first: $n) { nodes { ts } } }`, { n: 10_000 })).errors).toBeUndefined();
  });

  it("refuses more aliases than maxAliases", async () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => `c${i}: calendars(first: 1) { totalCount }`).join(" ");
    expect((await gql(server, `{ ${fields(30)} }`)).errors).toBeUndefined();
    const r = await gql(server, `{ ${fields(31)} }`);
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: "DS034", limit: "maxAliases", max: 30 });
  });

  it("refuses an operation nested deeper than maxDepth, introspection aside", async () => {
    const nest = (levels: number): string => levels === 0 ? "id" : `datasetVersion { builds(first: 1) { nodes { ${nest(levels - 1)} } } }`;
    const r = await gql(server, `{ builds(first: 1) { nodes { ${nest(3)} } } }`);
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: "DS034", limit: "maxDepth", max: 10 });
    const shallow = await gql(server, `{ builds(first: 1) { nodes { ${nest(1)} } } }`);
    expect(shallow.errors).toBeUndefined();
    const introspection = await gql(server, `{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }`);
    expect(introspection.errors).toBeUndefined();
  });

  it("refuses an operation that can fetch more rows than maxCost: nested pages multiply", async () => {
    const r = await gql(server, `{ datasets(first: 100) { nodes { builds(first: 1000) { nodes { id } } } } }`);
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: "DS034", limit: "maxCost", max: 50_000 });
    const ok = await gql(server, `{ datasets(first: 100) { nodes { builds(first: 10) { nodes { id } } } } }`);
    expect(ok.errors).toBeUndefined();
  });

  it("refuses a body over maxBodyBytes with HTTP 413 and DS034", async () => {
    const r = await gql(server, `{ calendars(first: 1) { totalCount } } # ${"x".repeat(110_000)}`);
    expect(r.status).toBe(413);
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: "DS034", limit: "maxBodyBytes" });
    expect((await gql(server, normalQuery)).errors).toBeUndefined();
  });
});

describe("pages, timeouts and SQL limits", () => {
  it("reads one page of maxFirst rows from a connection given neither first nor last", async () => {
    const r = await gql(small, `{ tRootV0_1_0(orderBy: TS_ASC) { totalCount nodes { ts } pageInfo { hasNextPage } } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data!.tRootV0_1_0.totalCount).toBe(10);
    expect(r.data!.tRootV0_1_0.nodes).toHaveLength(3);
    expect(r.data!.tRootV0_1_0.pageInfo.hasNextPage).toBe(true);
    const last = await gql(small, `{ tRootV0_1_0(orderBy: TS_ASC, last: 2) { nodes { ts } } }`);
    expect(last.data!.tRootV0_1_0.nodes.map((n: { ts: string }) => n.ts.slice(0, 10))).toEqual(["2024-03-09", "2024-03-10"]);
  });

  it("gives anonymous requests a statement timeout (57014), and keyed requests none", async () => {
    const started = Date.now();
    const anonymous = await gql(small, `{ testSlow }`);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("57014");
    const keyed = await gql(small, `{ testSlow }`, {}, `Bearer ${key.key}`);
    expect(keyed.errors).toBeUndefined();
    expect(keyed.data!.testSlow).toBe(1);
  });

  it("carries the row limit into ds.data (DS033)", async () => {
    const r = await gql(small, `{ data(dataset: "t-root", version: "0.1.0", startAt: "2024-03-01", endAt: "2024-03-10") { ts } }`);
    expect(r.errors?.[0]?.extensions?.code).toBe("DS033");
    expect(r.errors?.[0]?.message).toMatch(/more than 5 rows/);
  });
});
