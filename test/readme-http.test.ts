/**
 * The README's GraphQL and curl examples, run against a real server (REST, GraphQL over
 * HTTP and WebSocket, health, metrics) on the example datasets.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncDatasets } from "../datasets/sync.ts";
import { createPool } from "../db/pool.ts";
import { projectRoot } from "../db/project-root.ts";
import { generateApiKey } from "../server/api-keys.ts";
import type { RunningServer } from "../server/http-server.ts";
import { startServer } from "../server/start-server.ts";
import { startWorker, type RunningWorker } from "../worker/run-worker.ts";
import { useTestDatabase } from "./support/test-database.ts";

const readme = readFileSync(join(projectRoot(), "README.md"), "utf8");
const blocks = (lang: string) => [...readme.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);
const builders = join(projectRoot(), "builders");

describe("README HTTP examples", () => {
  const db = useTestDatabase("readme-http");
  const key = generateApiKey("readme");
  let worker: RunningWorker;
  let server: RunningServer;
  const saved = process.env.API_KEYS;

  beforeAll(async () => {
    await db.pool.end();
    db.pool = createPool(db.url, { max: 20 });
    await syncDatasets(db.pool, builders);
    worker = await startWorker({ pool: db.pool, connectionString: db.url, buildersDir: builders, log: () => {} });
    process.env.API_KEYS = key.entry;
    server = await startServer({ pool: db.pool, databaseUrl: db.url, buildersDir: builders, port: 0 });
  });
  afterAll(async () => {
    process.env.API_KEYS = saved;
    await server?.close();
    await worker?.stop();
  });

  it("runs every GraphQL example (queries, mutations with a key, subscriptions over WebSocket)", async () => {
    const examples = blocks("graphql");
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const query of examples) {
      if (query.trimStart().startsWith("subscription")) {
        const client = createClient({ url: `${server.url.replace(/^http/, "ws")}/graphql`, lazy: true, retryAttempts: 0 });
        const states: string[] = [];
        await new Promise<void>((resolve, reject) => {
          client.subscribe({ query }, {
            next: (r) => {
              if (r.errors) reject(new Error(JSON.stringify(r.errors)));
              else states.push((r.data as { buildProgress: { state: string } }).buildProgress.state);
            },
            error: reject,
            complete: resolve,
          });
        });
        await client.dispose();
        expect(states.at(-1), query).toBe("succeeded");
        continue;
      }
      const res = await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key.key}` },
        body: JSON.stringify({ query }),
      });
      const body = (await res.json()) as { errors?: unknown; data?: unknown };
      expect(body.errors, query).toBeUndefined();
      expect(res.status).toBe(200);
    }
  });

  it("runs every curl example", async () => {
    const lines = blocks("sh").flatMap((b) => b.split("\n")).filter((l) => l.startsWith("curl "));
    expect(lines.length).toBeGreaterThanOrEqual(8);
    for (const line of lines) {
      const cmd = line.replaceAll("http://127.0.0.1:4000", server.url) + ' -w "\\n%{http_code}"';
      const { stdout } = await promisify(execFile)("sh", ["-c", cmd], { env: { ...process.env, DS_KEY: key.key } });
      const status = Number(stdout.trim().split("\n").at(-1));
      expect([200, 206], `${line}\n${stdout}`).toContain(status);
      if (line.includes("/api/v1/data/mock-multi-ohlc")) {
        const body = JSON.parse(stdout.slice(0, stdout.lastIndexOf("\n")));
        expect(body).toMatchObject({ dataset_name: "mock-multi-ohlc", total_timestamps: 3, returned_timestamps: 3 });
        expect(body.rows[0].data).toHaveLength(3);
      }
      if (line.includes("format=csv")) expect(stdout.split("\n")[0]).toBe("ts,ticker,open,high,low,close");
      if (line.endsWith("/metrics")) expect(stdout).toMatch(/^datastream_builds\{state="succeeded"\} \d+/m);
    }
  });
});
