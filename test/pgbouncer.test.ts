/**
 * Through a real PgBouncer in transaction mode (Debian's pgbouncer, a throwaway config on a
 * free port in front of the test database): the pooler is detected; workers, ds up,
 * ds migrate and ds sync refuse it with DS037 in one line; readers keep working (psql-style
 * SQL, and `ds serve` for REST and GraphQL, which neither LISTENs nor prepares named
 * statements there). Skipped, saying so, where pgbouncer is not installed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectConnection } from "../db/connection-kind.ts";
import { projectRoot } from "../db/project-root.ts";
import { syncDatasets } from "../datasets/sync.ts";
import { generateApiKey } from "../server/api-keys.ts";
import { freePort } from "./support/free-port.ts";
import { pgbouncer, startPgBouncer } from "./support/pgbouncer.ts";
import { useTestDatabase } from "./support/test-database.ts";
import { fixtureBuilders } from "./support/worker-fixture.ts";
import { runDs } from "./support/run-ds.ts";

if (!pgbouncer) console.warn("test/pgbouncer.test.ts skipped: pgbouncer is not installed (apt-get install pgbouncer)");

const root = projectRoot();

function ds(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runDs([...args], env);
}

describe.skipIf(!pgbouncer)("PgBouncer in transaction mode", () => {
  const db = useTestDatabase("pgbouncer");
  let bouncer: Awaited<ReturnType<typeof startPgBouncer>>;
  let through = "";
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    await syncDatasets(db.pool, fixtureBuilders);
    // data to read: written through ds.write (no worker needed)
    await db.pool.query(`select * from ds.write('w-ticks', '0.1.0', '[
      {"ts": "2024-03-01T14:30:00Z", "ticker": "A", "seq": 0, "price": 1.5, "size": 10},
      {"ts": "2024-03-01T14:31:00Z", "ticker": "A", "seq": 1, "price": 2.5, "size": 20}]')`);
    bouncer = await startPgBouncer(db.url);
    through = bouncer.url(new URL(db.url).pathname.slice(1));
  });

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once("exit", r));
      server.kill("SIGTERM");
      await exited;
    }
    bouncer?.stop();
  });

  it("tells the transaction pooler from a direct connection", async () => {
    expect(await inspectConnection(through)).toEqual({ inRecovery: false, pooled: true });
    expect(await inspectConnection(db.url)).toEqual({ inRecovery: false, pooled: false });
  });

  it.each([["worker"], ["up", "--port", "1"], ["migrate"], ["sync"]])("ds %s refuses the pooler with one DS037 line", async (...args) => {
    const { code, stdout, stderr } = await ds([...args, "--database-url", through, "--builders", fixtureBuilders]);
    expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
    expect(stderr).toMatch(/^error DS037: [^\n]+transaction pooler \([^\n]+\) — hint: Connect workers[^\n]+\n$/);
  });

  it("serves psql-style reads through the pooler", async () => {
    const client = new pg.Client(through);
    await client.connect();
    try {
      for (let i = 0; i < 3; i++) {
        const { rows } = await client.query("select data from ds.data($1, $2, $3, $4)", ["w-ticks", "0.1.0", "2024-03-01", "2024-03-02"]);
        expect(rows.map((r) => r.data.price)).toEqual([1.5, 2.5]);
      }
    } finally {
      await client.end();
    }
  });

  it("runs ds serve through the pooler: REST and GraphQL reads, no LISTEN, one log line", async () => {
    const key = generateApiKey("pooler");
    const port = await freePort();
    let stderr = "";
    server = spawn(process.execPath, ["cli/main.ts", "serve", "--database-url", through, "--builders", fixtureBuilders, "--port", String(port)], {
      cwd: root, env: { ...process.env, DS_DEBUG: "", API_KEYS: key.entry },
    });
    server.stderr!.on("data", (d) => (stderr += d));
    await new Promise<void>((resolve, reject) => {
      let out = "";
      server!.stdout!.on("data", (d) => ((out += d), /health:/.test(out) && resolve()));
      server!.on("exit", (code) => reject(new Error(`ds serve exited with ${code}: ${stderr}`)));
    });
    const http = `http://127.0.0.1:${port}`;
    // several rounds, so that statements run on more than one server connection
    for (let i = 0; i < 5; i++) {
      const rest = await fetch(`${http}/api/v1/data/w-ticks/0.1.0?start=2024-03-01&end=2024-03-02&build-data=false`, { headers: { authorization: `Bearer ${key.key}` } });
      expect(rest.status, await rest.clone().text()).toBeLessThan(300);
      const gql = await fetch(`${http}/graphql`, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `{ data(dataset: "w-ticks", version: "0.1.0", startAt: "2024-03-01", endAt: "2024-03-02") { ts data } }` }),
      });
      const body = (await gql.json()) as { data?: { data: unknown[] }; errors?: unknown };
      expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
      expect(body.data!.data).toHaveLength(2);
    }
    expect(stderr.match(/no LISTEN/g)).toHaveLength(1);
    const listening = await db.pool.query("select 1 from pg_stat_activity where datname = current_database() and query ilike 'listen %'");
    expect(listening.rowCount).toBe(0);
  });
});
