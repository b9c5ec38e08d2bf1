/**
 * GraphQL subscriptions over a real WebSocket (graphql-ws) against a real server, fed by
 * LISTEN/NOTIFY from a worker building fixture datasets.
 */
import { request } from "node:http";
import { createClient, type Client, type ExecutionResult } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, parseApiKeys } from "../server/api-keys.ts";
import { createGraphqlMount } from "../server/graphql/mount.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";

type Result = ExecutionResult<Record<string, any>, Record<string, unknown>>;

describe("GraphQL subscriptions over WebSocket", () => {
  const db = useWorkerDatabase("graphql-ws");
  const key = generateApiKey("ws-test");
  let server: RunningServer;
  const clients: Client[] = [];

  function client(authorization?: string): Client {
    const c = createClient({
      url: `${server.url.replace(/^http/, "ws")}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: authorization ? { authorization } : {},
      retryAttempts: 0,
    });
    clients.push(c);
    return c;
  }

  /** Results until the server completes the stream, `stop` says so, or the timeout. */
  async function collect(c: Client, query: string, variables: Record<string, unknown>, stop = (_: Result[]) => false, timeoutMs = 30_000) {
    const results: Result[] = [];
    const iterator = c.iterate({ query, variables });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void iterator.return?.();
    }, timeoutMs);
    try {
      for await (const result of iterator) {
        results.push(result as Result);
        if (stop(results)) break;
      }
    } catch (err) {
      // graphql-ws rejects with the errors of an operation the server refused
      if (!Array.isArray(err)) throw err;
      results.push({ errors: err });
    } finally {
      clearTimeout(timer);
    }
    return { results, timedOut };
  }

  async function mutate(query: string) {
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key.key}` },
      body: JSON.stringify({ query }),
    });
    const body = (await res.json()) as Result;
    expect(body.errors).toBeUndefined();
    return body.data!;
  }

  /** Waits until the server's listening connection has run LISTEN on the channel. */
  async function listening(channel: string) {
    for (let i = 0; i < 200; i++) {
      const { n } = await db.one<{ n: number }>(
        "select count(*)::int n from pg_stat_activity where datname = current_database() and query = $1",
        [`LISTEN "${channel}"`],
      );
      if (n > 0) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`nobody listens on ${channel}`);
  }

  beforeAll(async () => {
    const ctx = { pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(key.entry), buildersDir: fixtureBuilders };
    server = await startHttpServer([await createGraphqlMount(ctx)], { port: 0 });
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await server?.close();
  });

  const progress = `subscription ($id: BigInt!) { buildProgress(id: $id) { id state progress tasks tasksSucceeded } }`;

  it("buildProgress streams the build until it succeeds, then completes", async () => {
    const { build } = await mutate(`mutation { build(dataset: "t-root", version: "0.1.0", startAt: "2024-07-01", endAt: "2024-07-31") { id } }`);
    const { results, timedOut } = await collect(client(), progress, { id: build.id });
    expect(timedOut).toBe(false);
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    const states = results.map((r) => r.data!.buildProgress.state);
    for (const s of states) expect(["queued", "running", "succeeded"]).toContain(s);
    expect(results.at(-1)!.data!.buildProgress).toEqual({ id: build.id, state: "succeeded", progress: 1, tasks: 4, tasksSucceeded: 4 });
  });

  it("buildProgress of a build that already ended sends its final state once", async () => {
    const { build } = await mutate(`mutation { build(dataset: "t-root", version: "0.1.0", startAt: "2024-08-01", endAt: "2024-08-02") { id } }`);
    await db.one("select ds.wait($1)", [build.id]);
    const { results, timedOut } = await collect(client(), progress, { id: build.id });
    expect(timedOut).toBe(false);
    expect(results.map((r) => r.data!.buildProgress.state)).toEqual(["succeeded"]);
  });

  it("newRows receives the chunks of a dataset as they commit", async () => {
    const c = client(); // anonymous: subscriptions are reads
    let done = false;
    const received = collect(c, `subscription { newRows(dataset: "t-child", version: "0.1.0") { dataset version rows first last } }`, {},
      (rs) => rs.length >= 1).finally(() => (done = true));
    await listening("ds_data").catch(() => {});
    // one-day builds until the subscription has seen one: the LISTEN of the server's
    // subscriber may land a moment after the check above on a loaded machine
    const days: string[] = [];
    for (let d = 1; d <= 20 && !done; d++) {
      const day = `2024-09-${String(d).padStart(2, "0")}`;
      days.push(`${day}T00:00:00.000Z`);
      await mutate(`mutation { build(dataset: "t-child", version: "0.1.0", startAt: "${day}", endAt: "${day}") { id } }`);
      for (let i = 0; i < 10 && !done; i++) await new Promise((r) => setTimeout(r, 100));
    }
    const { results, timedOut } = await received;
    expect(timedOut).toBe(false);
    expect(results[0]!.errors).toBeUndefined();
    const chunk = results[0]!.data!.newRows;
    expect(chunk).toEqual({ dataset: "t-child", version: "0.1.0", rows: 1, first: expect.any(String), last: expect.any(String) });
    expect(days).toContain(new Date(chunk.first).toISOString());
    expect(new Date(chunk.last).toISOString()).toBe(new Date(chunk.first).toISOString());
  });

  it("an unknown dataset or build is an error with its ds code", async () => {
    const rows = await collect(client(), `subscription { newRows(dataset: "no-such-dataset") { rows } }`, {}, () => true, 10_000);
    expect(rows.timedOut).toBe(false);
    expect(rows.results[0]!.errors![0]!.extensions!.code).toBe("DS001");
    const build = await collect(client(), progress, { id: "987654" }, () => true, 10_000);
    expect(build.results[0]!.errors![0]!.extensions!.code).toBe("DS015");
  });

  it("refuses an invalid credential: per operation in connection params, 401 at the upgrade", async () => {
    const bad = await collect(client("Bearer ds_not_a_key"), progress, { id: "1" }, () => true, 10_000);
    expect(bad.results[0]!.errors![0]!.extensions!.code).toBe("UNAUTHENTICATED");
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/graphql`, {
        headers: { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
          "sec-websocket-protocol": "graphql-transport-ws", authorization: "Bearer ds_not_a_key" },
      });
      req.on("response", (res) => resolve(res.statusCode!));
      req.on("upgrade", () => reject(new Error("upgraded with a bad key")));
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(401);
  });
});
