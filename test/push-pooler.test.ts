/**
 * HTTP writes and push through a real PgBouncer in transaction mode (test/support/pgbouncer.ts):
 * POST /api/v1/data writes JSON and CSV through the pooler (each write is one transaction:
 * the CSV's temporary table, COPY and ds.import_staged stay on one server connection), and
 * GET /api/v1/stream stays open with heartbeats, says why it is silent, and never LISTENs.
 * Skipped, saying so, where pgbouncer is not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../db/pool.ts";
import { syncDatasets } from "../datasets/sync.ts";
import { generateApiKey } from "../server/api-keys.ts";
import type { RunningServer } from "../server/http-server.ts";
import { startServer } from "../server/start-server.ts";
import { pgbouncer, startPgBouncer } from "./support/pgbouncer.ts";
import { openSse } from "./support/sse-client.ts";
import { until } from "./support/until.ts";
import { useTestDatabase } from "./support/test-database.ts";
import { fixtureBuilders } from "./support/worker-fixture.ts";

if (!pgbouncer) console.warn("test/push-pooler.test.ts skipped: pgbouncer is not installed (apt-get install pgbouncer)");

describe.skipIf(!pgbouncer)("HTTP writes and push through PgBouncer in transaction mode", () => {
  const db = useTestDatabase("push-pooler");
  const key = generateApiKey("pooler-push");
  const auth = { authorization: `Bearer ${key.key}` };
  const saved = process.env.API_KEYS;
  let bouncer: Awaited<ReturnType<typeof startPgBouncer>>;
  let server: RunningServer;
  let pooledPool: ReturnType<typeof createPool>;

  beforeAll(async () => {
    await syncDatasets(db.pool, fixtureBuilders);
    bouncer = await startPgBouncer(db.url);
    const through = bouncer.url(new URL(db.url).pathname.slice(1));
    pooledPool = createPool(through, { max: 6 });
    process.env.API_KEYS = key.entry;
    server = await startServer({ pool: pooledPool, databaseUrl: through, buildersDir: fixtureBuilders, port: 0, limits: { streamHeartbeatMs: 200 } });
  });
  afterAll(async () => {
    process.env.API_KEYS = saved;
    await server?.close();
    await pooledPool?.end();
    bouncer?.stop();
  });

  it("writes JSON and CSV rows through the pooler, several times over", async () => {
    for (let i = 0; i < 4; i++) {
      const json = await fetch(`${server.url}/api/v1/data/w-ticks/0.1.0`, {
        method: "POST", headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify([{ ts: `2024-03-01T14:3${i}:00Z`, ticker: "J", seq: i, price: 1.5, size: i }]),
      });
      expect(json.status, await json.clone().text()).toBe(200);
      const csv = await fetch(`${server.url}/api/v1/data/w-ticks/0.1.0`, {
        method: "POST", headers: { ...auth, "content-type": "text/csv" }, body: `ts,ticker,seq,price,size\n2024-03-01T14:3${i}:00Z,C,${i},2.5,${i}\n`,
      });
      expect(csv.status, await csv.clone().text()).toBe(200);
      expect(await csv.json()).toMatchObject({ written: 1, first: `2024-03-01T14:3${i}:00Z` });
    }
    expect((await db.pool.query("select ticker, count(*)::int as n from ds_data.w_ticks_v0_1_0 group by 1 order by 1")).rows).toEqual([{ ticker: "C", n: 4 }, { ticker: "J", n: 4 }]);
  });

  it("keeps GET /api/v1/stream open with heartbeats, says why, and never LISTENs", async () => {
    const s = await openSse(`${server.url}/api/v1/stream/w-ticks/0.1.0`, auth);
    try {
      expect(s.status).toBe(200);
      await until("a heartbeat", async () => s.events.some((e) => e.comments.includes("heartbeat")), 10_000);
      expect(s.events[0]!.comments[0]).toBe("w-ticks 0.1.0: the database URL leads to a transaction pooler, no live events (heartbeats only)");
      const listening = await db.pool.query("select 1 from pg_stat_activity where datname = current_database() and query ilike 'listen %'");
      expect(listening.rowCount).toBe(0);
    } finally {
      s.close();
    }
  });
});
