/**
 * HTTP writes and push against a server on a real hot standby (test/support/pg-cluster.ts,
 * as test/read-replica.test.ts): POST /api/v1/data (JSON and CSV) answers 503 DS036 and the
 * GraphQL write mutation DS036; GET /api/v1/stream opens, says why it stays silent, sends
 * heartbeats, and the server never LISTENs on the standby — while a write on the primary,
 * replicated, produces no event there.
 *
 * It makes its own servers whatever DATABASE_URL says, so it runs once: in the run on the
 * embedded database, not again in the DATABASE_URL run.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../db/pool.ts";
import { generateApiKey } from "../server/api-keys.ts";
import type { RunningServer } from "../server/http-server.ts";
import { startServer } from "../server/start-server.ts";
import { findPgBin, startPrimary, type PgServer, type ReplicaPair } from "./support/pg-cluster.ts";
import { caughtUp, migratedPrimary } from "./support/replica-fixture.ts";
import { openSse } from "./support/sse-client.ts";
import { until } from "./support/until.ts";
import { fixtureBuilders } from "./support/worker-fixture.ts";

const bin = findPgBin();
if (!bin || process.env.DATABASE_URL) {
  console.warn(`test/push-standby.test.ts skipped: ${process.env.DATABASE_URL ? "it makes its own servers: it ran in the run on the embedded database" : "no PostgreSQL binaries (initdb, pg_basebackup) under /usr/lib/postgresql"}`);
}

describe.skipIf(!bin || process.env.DATABASE_URL)("HTTP writes and push on a read-only standby", () => {
  let pair: ReplicaPair;
  let standby: PgServer;
  let primaryPool: pg.Pool;
  let standbyPool: pg.Pool;
  let server: RunningServer;
  const key = generateApiKey("standby-push");
  const auth = { authorization: `Bearer ${key.key}` };
  const saved = process.env.API_KEYS;
  const row = { ts: "2024-03-01T14:30:00Z", ticker: "A", seq: 0, price: 1, size: 1 };

  beforeAll(async () => {
    pair = await startPrimary(bin!);
    primaryPool = await migratedPrimary(pair.primary.url());
    standby = await pair.makeStandby({ hot_standby_feedback: "off" });
    standbyPool = createPool(standby.url(), { max: 8 });
    process.env.API_KEYS = key.entry;
    server = await startServer({ pool: standbyPool, databaseUrl: standby.url(), buildersDir: fixtureBuilders, port: 0, limits: { streamHeartbeatMs: 200 } });
  }, 180_000);

  afterAll(async () => {
    process.env.API_KEYS = saved;
    await server?.close();
    await standbyPool?.end();
    await primaryPool?.end();
    pair?.stop();
  });

  it("answers POST /api/v1/data 503 DS036, JSON and CSV", async () => {
    for (const [type, body] of [["application/json", JSON.stringify([row])], ["text/csv", "ts,ticker,seq,price,size\n2024-03-01T14:30:00Z,A,0,1,1\n"]]) {
      const res = await fetch(`${server.url}/api/v1/data/w-ticks/0.1.0`, { method: "POST", headers: { ...auth, "content-type": type! }, body });
      expect(res.status, type).toBe(503);
      expect(await res.json(), type).toMatchObject({ code: "DS036" });
    }
  });

  it("answers the write mutation DS036", async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST", headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ query: `mutation ($rows: JSON!) { write(dataset: "w-ticks", version: "0.1.0", rows: $rows) { written } }`, variables: { rows: [row] } }),
    });
    const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.extensions?.code, JSON.stringify(body)).toBe("DS036");
  });

  it("keeps GET /api/v1/stream open with heartbeats and no event, without LISTEN on the standby", async () => {
    const s = await openSse(`${server.url}/api/v1/stream/w-ticks/0.1.0`, auth);
    try {
      expect(s.status).toBe(200);
      await until("a heartbeat", async () => s.events.some((e) => e.comments.includes("heartbeat")), 10_000);
      expect(s.events[0]!.comments[0]).toBe("w-ticks 0.1.0: the database is a read-only standby, no live events (heartbeats only)");
      await primaryPool.query("select * from ds.write('w-ticks', '0.1.0', $1::jsonb)", [JSON.stringify([row])]);
      await caughtUp(primaryPool, standbyPool);
      expect((await standbyPool.query("select count(*)::int as n from ds_data.w_ticks_v0_1_0")).rows[0].n).toBe(1);
      await new Promise((r) => setTimeout(r, 500));
      expect(s.events.filter((e) => e.event !== "message")).toEqual([]);
      expect((await standbyPool.query("select 1 from pg_stat_activity where query ilike 'listen %'")).rowCount).toBe(0);
    } finally {
      s.close();
    }
  });
});
