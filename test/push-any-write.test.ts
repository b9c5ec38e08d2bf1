/**
 * Push with values, end to end: a real server (REST and GraphQL mounts), a graphql-ws
 * client subscribed to newRows with values and an SSE client on GET /api/v1/stream, and a
 * write through every path — SQL ds.write, `ds import` (a child process), POST
 * /api/v1/data, the GraphQL write mutation, a build by the worker — each reaching both
 * clients, with its rows, within a second of its commit.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, parseApiKeys } from "../server/api-keys.ts";
import { createGraphqlMount } from "../server/graphql/mount.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import type { ServerContext } from "../server/mount.ts";
import { resolveLimits } from "../server/request-limits.ts";
import { createRestMount } from "../server/rest/rest-mount.ts";
import { runDs } from "./support/run-ds.ts";
import { openSse, type SseStream } from "./support/sse-client.ts";
import { until } from "./support/until.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("push-any-write");
const { key, entry } = generateApiKey("pusher");
const dir = mkdtempSync(join(tmpdir(), "ds-push-"));
let server: RunningServer;
let ws: Client;
let ticksSse: SseStream;
let rootSse: SseStream;

interface Pushed {
  rows: number;
  first: string;
  last: string;
  values: { ts: string; data: Record<string, unknown> }[];
  truncated: boolean;
  at: number;
}
const graphqlTicks: Pushed[] = [];
const graphqlRoot: Pushed[] = [];

function subscribe(dataset: string, into: Pushed[]) {
  const query = `subscription { newRows(dataset: "${dataset}", version: "0.1.0") { rows first last values { ts data } truncated } }`;
  ws.subscribe({ query }, {
    next: (r) => void into.push({ ...(r.data as { newRows: Omit<Pushed, "at"> }).newRows, at: Date.now() }),
    error: (err) => console.error("subscription error", err),
    complete: () => {},
  });
}

const sseRows = (s: SseStream) => s.events.filter((e) => e.event === "rows").map((e) => ({ ...(JSON.parse(e.data) as Omit<Pushed, "at">), at: e.at, id: e.id }));

beforeAll(async () => {
  const ctx: ServerContext = { pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(entry), buildersDir: fixtureBuilders, limits: resolveLimits() };
  server = await startHttpServer([createRestMount(ctx), await createGraphqlMount(ctx)], { port: 0 });
  ws = createClient({ url: `${server.url.replace(/^http/, "ws")}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
  subscribe("w-ticks", graphqlTicks);
  subscribe("t-root", graphqlRoot);
  ticksSse = await openSse(`${server.url}/api/v1/stream/w-ticks/0.1.0`, { authorization: `Bearer ${key}` });
  rootSse = await openSse(`${server.url}/api/v1/stream/t-root/0.1.0`, { authorization: `Bearer ${key}` });
  expect(ticksSse.status).toBe(200);
  // both listeners are live once a warm-up write reaches both clients (the LISTENs land a moment after the subscriptions)
  for (let i = 0; graphqlTicks.length === 0 || sseRows(ticksSse).length === 0; i++) {
    if (i > 100) throw new Error("the warm-up writes never reached the clients");
    await db.q("select * from ds.write('w-ticks', '0.1.0', $1::jsonb)", [JSON.stringify([{ ts: "2024-03-01T14:00:00Z", ticker: "WARM", seq: i, price: 1, size: 1 }])]);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 60_000);
afterAll(async () => {
  ticksSse?.close();
  rootSse?.close();
  await ws?.dispose();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Waits until both clients hold an event whose values include a row with this seq, within a second of `committed`. */
async function reachesBoth(seq: number, committed: number) {
  const has = (p: { values: { data: Record<string, unknown> }[] }) => p.values.some((v) => v.data.seq === seq);
  const deadline = committed + 1000;
  const gq = await until(`the subscription event of seq ${seq}`, async () => graphqlTicks.find(has), 5000);
  const sse = await until(`the SSE event of seq ${seq}`, async () => sseRows(ticksSse).find(has), 5000);
  expect(gq.at, "GraphQL within a second").toBeLessThanOrEqual(deadline);
  expect(sse.at, "SSE within a second").toBeLessThanOrEqual(deadline);
  return { gq, sse };
}

const tick = (seq: number, minute: number) => ({ ts: `2024-03-01T15:${String(minute).padStart(2, "0")}:00Z`, ticker: "AAA", seq, price: seq + 0.5, size: seq });

describe("a write through any path reaches newRows and SSE clients within a second", () => {
  it("SQL ds.write, with the rows themselves", async () => {
    await db.q("select * from ds.write('w-ticks', '0.1.0', $1::jsonb)", [JSON.stringify([tick(1, 1), tick(2, 2)])]);
    const { gq, sse } = await reachesBoth(1, Date.now());
    expect(gq).toMatchObject({ rows: 2, truncated: false });
    expect(gq.values).toEqual([
      { ts: "2024-03-01T15:01:00+00:00", data: { ticker: "AAA", seq: 1, price: 1.5, size: 1 } },
      { ts: "2024-03-01T15:02:00+00:00", data: { ticker: "AAA", seq: 2, price: 2.5, size: 2 } },
    ]);
    expect(sse).toMatchObject({ dataset: "w-ticks", version: "0.1.0", rows: 2, truncated: false, values: gq.values, id: "2024-03-01T15:02:00+00:00" });
  });

  it("ds import (the CLI, another process)", async () => {
    const file = join(dir, "ticks.csv");
    writeFileSync(file, "ts,ticker,seq,price,size\n2024-03-01T15:03:00Z,AAA,3,3.5,3\n");
    const run = await runDs(["import", "w-ticks", "0.1.0", file, "--database-url", db.url]);
    const committed = Date.now();
    expect(run.code, run.stderr).toBe(0);
    await reachesBoth(3, committed);
  });

  it("POST /api/v1/data", async () => {
    const res = await fetch(`${server.url}/api/v1/data/w-ticks/0.1.0`, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify([tick(4, 4)]),
    });
    const committed = Date.now();
    expect(res.status).toBe(200);
    await reachesBoth(4, committed);
  });

  it("the GraphQL write mutation", async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: `mutation ($rows: JSON!) { write(dataset: "w-ticks", version: "0.1.0", rows: $rows) { written firstTs lastTs } }`, variables: { rows: [tick(5, 5)] } }),
    });
    const committed = Date.now();
    const body = (await res.json()) as { data?: { write: unknown }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data!.write).toEqual({ written: "1", firstTs: "2024-03-01T15:05:00.000000+00:00", lastTs: "2024-03-01T15:05:00.000000+00:00" });
    await reachesBoth(5, committed);
  });

  it("a build by the worker (every chunk, with its rows)", async () => {
    const { id } = await db.one<{ id: number }>("select ds.build('t-root', '0.1.0', '2024-05-01', '2024-05-15') as id");
    expect((await db.one<{ s: string }>("select ds.wait($1, '60 seconds') as s", [id])).s).toBe("succeeded");
    const finished = Date.now();
    const all = (events: { values: { ts: string }[] }[]) => events.flatMap((e) => e.values.map((v) => v.ts)).sort();
    const days = Array.from({ length: 15 }, (_, i) => `2024-05-${String(i + 1).padStart(2, "0")}T00:00:00+00:00`);
    await until("every chunk on both clients", async () => all(graphqlRoot).length >= 15 && all(sseRows(rootSse)).length >= 15, 5000);
    expect(all(graphqlRoot)).toEqual(days);
    expect(all(sseRows(rootSse))).toEqual(days);
    for (const e of [...graphqlRoot, ...sseRows(rootSse)]) expect(e.at).toBeLessThanOrEqual(finished + 1000);
    expect(graphqlRoot.find((e) => e.values[0]!.ts === days[0])!.values[0]).toEqual({ ts: days[0], data: { value: 1 } });
  });
});
