/**
 * The GraphQL `write` mutation against a real server and database: rows as JSON through
 * ds.write for builder keys only, its DS errors, every schema type; and the newRows
 * subscription's values bounded by DS_MAX_PUSH_ROWS (truncated past it).
 */
import { createClient, type Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, parseApiKeys } from "../server/api-keys.ts";
import { createGraphqlMount } from "../server/graphql/mount.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import { resolveLimits } from "../server/request-limits.ts";
import { until } from "./support/until.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("graphql-write", { worker: false });
const { key, entry } = generateApiKey("gql-writer");
let server: RunningServer;
let ws: Client | undefined;

beforeAll(async () => {
  const ctx = { pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(entry), buildersDir: fixtureBuilders, limits: resolveLimits({ maxPushRows: 2 }) };
  server = await startHttpServer([await createGraphqlMount(ctx)], { port: 0 });
});
afterAll(async () => {
  await ws?.dispose();
  await server?.close();
});

const mutation = `mutation ($dataset: String!, $rows: JSON!) { write(dataset: $dataset, version: "0.1.0", rows: $rows) { written firstTs lastTs } }`;

async function write(dataset: string, rows: unknown, authorization: string | null = `Bearer ${key}`) {
  const res = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ query: mutation, variables: { dataset, rows } }),
  });
  return (await res.json()) as { data?: { write: Record<string, unknown> } | null; errors?: { message: string; extensions?: { code?: string } }[] };
}
const count = (table: string) => db.one<{ n: number }>(`select count(*)::int as n from ds_data.${table}`).then((r) => r.n);
const tick = (seq: number) => ({ ts: "2024-03-01T14:30:00Z", ticker: "AAA", seq, price: 1.5, size: seq });

describe("the write mutation", () => {
  it("writes rows for a builder key and answers what was written", async () => {
    const r = await write("w-ticks", [tick(1), { ...tick(2), ts: "2024-03-01T14:31:00.5Z" }]);
    expect(r.errors).toBeUndefined();
    expect(r.data!.write).toEqual({ written: "2", firstTs: "2024-03-01T14:30:00.000000+00:00", lastTs: "2024-03-01T14:31:00.500000+00:00" });
    expect(await count("w_ticks_v0_1_0")).toBe(2);
  });

  it("refuses anonymous requests (FORBIDDEN) and writes nothing", async () => {
    const r = await write("w-ticks", [tick(3)], null);
    expect(r.errors![0]!.extensions!.code).toBe("FORBIDDEN");
    expect(r.errors![0]!.message).toMatch(/write need an API key/);
    expect(await count("w_ticks_v0_1_0")).toBe(2);
  });

  it("answers the DS errors of ds.write: DS017 (the row named), DS027, DS028, DS001, DS035", async () => {
    const code = async (dataset: string, rows: unknown) => (await write(dataset, rows)).errors?.[0];
    expect(await code("w-ticks", [tick(4), { ts: "2024-03-01T14:30:00Z" }])).toMatchObject({ extensions: { code: "DS017" }, message: expect.stringContaining("rows[1]") });
    expect(await code("w-ticks", { not: "an array" })).toMatchObject({ extensions: { code: "DS017" } });
    await write("w-rejects", [{ ts: "2024-01-01T01:00:00Z", sensor: "a", value: 1 }]);
    expect(await code("w-rejects", [{ ts: "2024-01-01T01:00:00Z", sensor: "a", value: 2 }])).toMatchObject({ extensions: { code: "DS027" } });
    expect(await code("t-root", [{ ts: "2024-01-02T00:00:00Z", value: 1 }])).toMatchObject({ extensions: { code: "DS028" } });
    expect(await code("no-such", [])).toMatchObject({ extensions: { code: "DS001" } });
    expect(await code("w-ticks", [{ ...tick(5), ts: "infinity" }])).toMatchObject({ extensions: { code: "DS035" } });
    expect(await count("w_ticks_v0_1_0")).toBe(2);
    expect(await count("w_rejects_v0_1_0")).toBe(1);
  });

  it("writes a null and a value of every schema type", async () => {
    const values = { s: "x", i: 3, f: 1.5, n: "12.25", b: true, d: "2024-01-02", t: "2024-01-02T10:00:00Z", j: { a: [1] } };
    const nulls = Object.fromEntries(Object.keys(values).map((f) => [f, null]));
    const r = await write("w-nullable", [{ ts: "2024-01-02", k: "null", ...nulls }, { ts: "2024-01-02", k: "value", ...values }]);
    expect(r.data!.write).toMatchObject({ written: "2" });
    expect(await db.q("select k, s, i, f, n::text, b, d::text, t::text, j from ds_data.w_nullable_v0_1_0 order by k")).toEqual([
      { k: "null", s: null, i: null, f: null, n: null, b: null, d: null, t: null, j: null },
      { k: "value", s: "x", i: 3, f: 1.5, n: "12.25", b: true, d: "2024-01-02", t: "2024-01-02 10:00:00+00", j: { a: [1] } },
    ]);
  });
});

describe("newRows values", () => {
  it("carries at most DS_MAX_PUSH_ROWS rows, with truncated past it; a subscription without values gets the counts alone", async () => {
    ws = createClient({ url: `${server.url.replace(/^http/, "ws")}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    const events: { rows: number; values: { data: { seq: number } }[]; truncated: boolean }[] = [];
    const counts: { rows: number }[] = [];
    ws.subscribe({ query: `subscription { newRows(dataset: "w-ticks") { rows values { ts data } truncated } }` },
      { next: (r) => void events.push((r.data as any).newRows), error: () => {}, complete: () => {} });
    ws.subscribe({ query: `subscription { newRows(dataset: "w-ticks") { rows } }` },
      { next: (r) => void counts.push((r.data as any).newRows), error: () => {}, complete: () => {} });
    for (let i = 0; events.length === 0 || counts.length === 0; i++) {
      if (i > 100) throw new Error("no event reached the subscriptions");
      await write("w-ticks", [{ ...tick(100 + i), ts: "2024-03-01T15:00:00Z" }]);
      await new Promise((r) => setTimeout(r, 150));
    }
    const before = events.length;
    const r = await write("w-ticks", [10, 11, 12].map((seq) => ({ ...tick(seq), ts: `2024-03-01T16:0${seq - 10}:00Z` })));
    expect(r.errors).toBeUndefined();
    await until("the event", async () => events.length > before, 5000);
    expect(events.at(-1)).toMatchObject({ rows: 3, truncated: true });
    expect(events.at(-1)!.values.map((v) => v.data.seq)).toEqual([10, 11]);
    await until("the count", async () => counts.some((c) => c.rows === 3), 5000);
    expect(Object.keys(counts.at(-1)!)).toEqual(["rows"]);
  });

  it("keys keeps the rows of those keys, sends no event without one, and refuses a field that is not a key (DS029)", async () => {
    const keyed: { values: { data: { ticker: string; seq: number } }[] }[] = [];
    ws!.subscribe({ query: `subscription { newRows(dataset: "w-ticks", version: "0.1.0", keys: {ticker: "BBB"}) { values { data } } }` },
      { next: (r) => void keyed.push((r.data as any).newRows), error: () => {}, complete: () => {} });
    for (let i = 0; keyed.length === 0; i++) {
      if (i > 100) throw new Error("no event reached the keyed subscription");
      await write("w-ticks", [{ ...tick(200 + i), ticker: "BBB", ts: "2024-03-01T17:00:00Z" }]);
      await new Promise((r) => setTimeout(r, 150));
    }
    const before = keyed.length;
    await write("w-ticks", [{ ...tick(300), ticker: "CCC", ts: "2024-03-01T18:00:00Z" }]);
    await write("w-ticks", [{ ...tick(301), ticker: "CCC", ts: "2024-03-01T18:01:00Z" }, { ...tick(302), ticker: "BBB", ts: "2024-03-01T18:01:00Z" }]);
    await until("the BBB event", async () => keyed.length > before, 5000);
    await new Promise((r) => setTimeout(r, 300));
    expect(keyed.slice(before).map((e) => e.values.map((v) => [v.data.ticker, v.data.seq]))).toEqual([[["BBB", 302]]]);
    const refused = await new Promise<unknown>((resolve) => ws!.subscribe(
      { query: `subscription { newRows(dataset: "w-ticks", keys: {price: 1}) { rows } }` },
      { next: (r) => resolve(r.errors), error: (err) => resolve(err), complete: () => resolve(null) }));
    expect(JSON.stringify(refused)).toMatch(/"code":"DS029"/);
  });

  it("ends the subscriptions' LISTEN when the client goes, without waiting for another event", async () => {
    await ws!.dispose();
    ws = undefined;
    await until("the server's UNLISTEN", async () => (await db.one<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where datname = current_database() and query = 'UNLISTEN \"ds_data\"'")).n === 1, 5000);
  });
});
