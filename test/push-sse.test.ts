/**
 * GET /api/v1/stream/{name}/{version} over real HTTP: key filters, the bound on rows per
 * event (truncated), resuming with Last-Event-ID, heartbeats, the subscription ending when
 * the client goes, its errors before the stream starts, and no LISTEN where the database
 * cannot take one (a standby, a transaction pooler).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, parseApiKeys } from "../server/api-keys.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import type { ServerContext } from "../server/mount.ts";
import { resolveLimits } from "../server/request-limits.ts";
import { pushedEvent } from "../server/rest/openapi.ts";
import { pushStreamsOf } from "../server/rest/push-streams.ts";
import { createRestMount } from "../server/rest/rest-mount.ts";
import { openSse, type SseStream } from "./support/sse-client.ts";
import { until } from "./support/until.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("push-sse", { worker: false });
const { key, entry } = generateApiKey("sse");
const auth = { authorization: `Bearer ${key}` };
let server: RunningServer;
let ctx: ServerContext;
const streams: SseStream[] = [];

beforeAll(async () => {
  ctx = { pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(entry), buildersDir: fixtureBuilders, limits: resolveLimits({ maxPushRows: 3, streamHeartbeatMs: 150 }) };
  server = await startHttpServer([createRestMount(ctx)], { port: 0 });
});
afterAll(async () => {
  for (const s of streams) s.close();
  await server?.close();
});

async function sse(path: string, headers: Record<string, string> = auth) {
  const s = await openSse(server.url + path, headers);
  streams.push(s);
  return s;
}
/** The events of a kind, each checked against the OpenAPI document's schema of an event's data. */
const rowsOf = (s: SseStream, event = "rows") => s.events.filter((e) => e.event === event).map((e) => ({ id: e.id, ...pushedEvent.parse(JSON.parse(e.data)) }) as Record<string, any>);
const tick = (ticker: string, seq: number, minute: number) => ({ ts: `2024-03-01T15:${String(minute).padStart(2, "0")}:00Z`, ticker, seq, price: 1.25, size: seq });
const write = (rows: unknown[]) => db.q("select * from ds.write('w-ticks', '0.1.0', $1::jsonb)", [JSON.stringify(rows)]);

/** Writes a warm-up row until the stream has received an event: its LISTEN is then live. */
async function live(s: SseStream, ticker = "WARM") {
  for (let i = 0; rowsOf(s).length === 0; i++) {
    if (i > 100) throw new Error("the stream never received a warm-up write");
    await write([tick(ticker, 1000 + i, 0)]);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe("GET /api/v1/stream", () => {
  it("answers text/event-stream with retry, a comment and heartbeats", async () => {
    const s = await sse("/api/v1/stream/w-ticks/0.1.0");
    expect(s.status).toBe(200);
    expect(s.contentType).toBe("text/event-stream; charset=utf-8");
    await until("two heartbeats", async () => s.events.filter((e) => e.comments.includes("heartbeat")).length >= 2, 5000);
    expect(s.events[0]!.comments).toEqual(["w-ticks 0.1.0"]);
    s.close();
  });

  it("carries at most DS_MAX_PUSH_ROWS rows per event, with truncated past it", async () => {
    const s = await sse("/api/v1/stream/w-ticks/0.1.0");
    await live(s);
    const before = rowsOf(s).length;
    await write([1, 2, 3, 4, 5].map((n) => tick("AAA", n, 10 + n)));
    await until("the event", async () => rowsOf(s).length > before, 5000);
    const e = rowsOf(s).at(-1)!;
    expect(e).toMatchObject({ rows: 5, first: "2024-03-01T15:11:00+00:00", last: "2024-03-01T15:15:00+00:00", truncated: true, id: "2024-03-01T15:15:00+00:00" });
    expect(e.values.map((v: { data: { seq: number } }) => v.data.seq)).toEqual([1, 2, 3]);
    s.close();
  });

  it("filters by key fields: only matching rows, and no event when none matches", async () => {
    const s = await sse("/api/v1/stream/w-ticks/0.1.0?ticker=BBB");
    await live(s, "BBB");
    const before = rowsOf(s).length;
    await write([tick("CCC", 1, 20)]);
    await write([tick("CCC", 2, 21), tick("BBB", 3, 21)]);
    await until("the BBB event", async () => rowsOf(s).length > before, 5000);
    await new Promise((r) => setTimeout(r, 300));
    const events = rowsOf(s).slice(before);
    expect(events).toHaveLength(1);
    expect(events[0]!.values).toEqual([{ ts: "2024-03-01T15:21:00+00:00", data: { ticker: "BBB", seq: 3, price: 1.25, size: 3 } }]);
    s.close();
  });

  it("resumes with Last-Event-ID: first a catch-up event with the rows stored after that ts", async () => {
    await write([tick("DDD", 1, 40), tick("DDD", 2, 41)]);
    const s = await sse("/api/v1/stream/w-ticks/0.1.0?ticker=DDD", { ...auth, "last-event-id": "2024-03-01T15:40:00+00:00" });
    await until("the catch-up", async () => rowsOf(s, "catch-up").length === 1, 5000);
    expect(rowsOf(s, "catch-up")[0]).toEqual({
      id: "2024-03-01T15:41:00+00:00", dataset: "w-ticks", version: "0.1.0", rows: null, first: "2024-03-01T15:40:00+00:00", last: "2024-03-01T15:41:00+00:00",
      truncated: false, values: [{ ts: "2024-03-01T15:41:00+00:00", data: { ticker: "DDD", seq: 2, price: 1.25, size: 2 } }],
    });
    s.close();
  });

  it("ends the subscription when the client goes (the LISTEN connection unlistens)", async () => {
    const s = await sse("/api/v1/stream/w-ticks/0.1.0");
    await live(s);
    const topics = (pushStreamsOf(ctx).subscriber as unknown as { topics: Record<string, unknown[]> }).topics;
    expect(topics.ds_data?.length).toBeGreaterThan(0);
    for (const other of streams) other.close();
    await until("no stream left on ds_data", async () => topics.ds_data === undefined, 5000);
    await until("the server's UNLISTEN", async () => (await db.one<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where datname = current_database() and query = 'UNLISTEN \"ds_data\"'")).n === 1, 5000);
  });

  it("refuses before the stream starts: 401, unknown dataset 404 (DS001), bad version 400 (DS002), a non-key filter 422, a bad Last-Event-ID 400", async () => {
    const get = async (path: string, headers: Record<string, string> = auth) => {
      const res = await fetch(server.url + path, { headers });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    expect(await get("/api/v1/stream/w-ticks/0.1.0", {})).toMatchObject({ status: 401 });
    expect(await get("/api/v1/stream/no-such/0.1.0")).toMatchObject({ status: 404, body: { code: "DS001" } });
    expect(await get("/api/v1/stream/w-ticks/abc")).toMatchObject({ status: 400, body: { code: "DS002" } });
    const filter = await get("/api/v1/stream/w-ticks/0.1.0?price=1");
    expect(filter.status).toBe(422);
    expect(filter.body.detail[0]).toMatchObject({ type: "extra_forbidden", loc: ["query", "price"] });
    expect(await get("/api/v1/stream/w-ticks/0.1.0", { ...auth, "last-event-id": "yesterday" })).toMatchObject({ status: 400, body: { code: "22007" } });
    expect((await fetch(`${server.url}/api/v1/stream/w-ticks/0.1.0`, { method: "POST", headers: auth })).status).toBe(405);
    // HEAD answers the stream's headers and ends (no stream is opened)
    const head = await fetch(`${server.url}/api/v1/stream/w-ticks/0.1.0`, { method: "HEAD", headers: auth, signal: AbortSignal.timeout(5000) });
    expect({ status: head.status, type: head.headers.get("content-type") }).toEqual({ status: 200, type: "text/event-stream; charset=utf-8" });
  });
});

describe("GET /api/v1/stream where the database cannot LISTEN", () => {
  it("stays open with heartbeats and says why when the context says standby (a real one: push-standby.test.ts)", async () => {
    const quietCtx: ServerContext = { ...ctx, connection: { inRecovery: true, pooled: false }, readPool: undefined };
    const quiet = await startHttpServer([createRestMount(quietCtx)], { port: 0 });
    try {
      const s = await openSse(`${quiet.url}/api/v1/stream/w-ticks/0.1.0`, auth);
      streams.push(s);
      await until("a heartbeat", async () => s.events.some((e) => e.comments.includes("heartbeat")), 5000);
      expect(s.events[0]!.comments[0]).toBe("w-ticks 0.1.0: the database is a read-only standby, no live events (heartbeats only)");
      expect(pushStreamsOf(quietCtx).silent).toBe("the database is a read-only standby");
      await write([tick("QQQ", 1, 50)]);
      await new Promise((r) => setTimeout(r, 500));
      expect(s.events.filter((e) => e.event === "rows")).toEqual([]);
      s.close();
    } finally {
      await quiet.close();
    }
  });
});
