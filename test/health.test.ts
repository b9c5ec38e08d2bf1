/**
 * GET /health and GET /metrics over real HTTP: real checks (database latency, live workers
 * holding their advisory lock, queue depth) with 200 or 503, and Prometheus text whose
 * figures follow the builds.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../db/pool.ts";
import { parseApiKeys } from "../server/api-keys.ts";
import { createHealthMount } from "../server/health/health-mount.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import type { ServerContext } from "../server/mount.ts";
import { fixtureBuilders, useWorkerDatabase, type WorkerDatabase } from "./support/worker-fixture.ts";

interface Metric {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the text format: every sample belongs to a family with HELP and TYPE. */
function parsePrometheus(text: string): { types: Map<string, string>; samples: Metric[] } {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Metric[] = [];
  for (const line of text.split("\n").filter(Boolean)) {
    let m: RegExpExecArray | null;
    if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line))) helps.add(m[1]!);
    else if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line))) types.set(m[1]!, m[2]!);
    else if ((m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\})? (\S+)$/.exec(line))) {
      const labels = Object.fromEntries([...(m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
      const value = m[3] === "+Inf" ? Infinity : Number(m[3]);
      expect(Number.isNaN(value) && m[3] !== "NaN", line).toBe(false);
      const family = m[1]!.replace(/_(bucket|sum|count)$/, "");
      expect(types.has(m[1]!) || types.get(family) === "histogram", `no TYPE for ${line}`).toBe(true);
      samples.push({ name: m[1]!, labels, value });
    } else throw new Error(`not Prometheus text: ${line}`);
  }
  for (const name of types.keys()) expect(helps.has(name), `no HELP for ${name}`).toBe(true);
  return { types, samples };
}

const value = (samples: Metric[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

async function serve(db: WorkerDatabase, pool = db.pool): Promise<RunningServer> {
  const ctx: ServerContext = { pool, databaseUrl: db.url, apiKeys: parseApiKeys(undefined), buildersDir: fixtureBuilders };
  return startHttpServer([createHealthMount(ctx, { timeoutMs: 2000 })], { port: 0 });
}

describe("with a worker running", () => {
  const db = useWorkerDatabase("health");
  let server: RunningServer;
  beforeAll(async () => (server = await serve(db)));
  afterAll(() => server?.close());

  it("GET /health answers 200 with its checks", async () => {
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({
      status: "pass",
      checks: {
        database: { status: "pass", latency_ms: expect.any(Number) },
        workers: { status: "pass", live: 1, registered: 1, running_chunks: 0, last_activity_at: expect.any(String),
          last_activity_age_seconds: expect.any(Number) },
        queue: { status: "pass", depth: 0, ready: 0, locked: 0, failed: 0, oldest_ready_age_seconds: null },
      },
    });
    expect(body.checks.database.latency_ms).toBeGreaterThanOrEqual(0);
    expect(body.checks.workers.last_activity_age_seconds).toBeLessThan(120);
  });

  it("GET /metrics answers Prometheus text whose figures follow a build", async () => {
    const { id } = await db.one<{ id: number }>("select ds.build('t-root', '0.1.0', '2024-01-01', '2024-01-25') as id");
    expect((await db.one<{ s: string }>("select ds.wait($1) as s", [id])).s).toBe("succeeded");
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const { types, samples } = parsePrometheus(await res.text());
    expect(types.get("datastream_builds")).toBe("gauge");
    expect(types.get("datastream_rows_written_total")).toBe("counter");
    expect(types.get("datastream_build_duration_seconds")).toBe("histogram");
    expect(value(samples, "datastream_builds", { state: "succeeded" })).toBe(1);
    expect(value(samples, "datastream_builds", { state: "failed" })).toBe(0);
    expect(value(samples, "datastream_chunks", { state: "succeeded" })).toBe(3); // chunk = 10 points
    expect(value(samples, "datastream_rows_written_total")).toBe(25);
    expect(value(samples, "datastream_build_failures_total")).toBe(0);
    expect(value(samples, "datastream_queue_depth")).toBe(0);
    expect(value(samples, "datastream_workers", { state: "live" })).toBe(1);
    const buckets = samples.filter((s) => s.name === "datastream_build_duration_seconds_bucket");
    expect(buckets.at(-1)!.labels.le).toBe("+Inf");
    expect(buckets.map((b) => b.value)).toEqual([...buckets.map((b) => b.value)].sort((a, b) => a - b)); // cumulative
    expect(buckets.at(-1)!.value).toBe(value(samples, "datastream_build_duration_seconds_count"));
    expect(value(samples, "datastream_build_duration_seconds_count")).toBe(1);
  });

  it("GET /health answers 503 once no worker is live", async () => {
    await db.worker.stop(); // its connection, and with it its advisory lock, goes
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "fail", checks: { database: { status: "pass" }, workers: { status: "fail", live: 0 } } });
  });
});

describe("without a worker", () => {
  const db = useWorkerDatabase("health_idle", { worker: false });
  let server: RunningServer;
  let down: RunningServer;
  const unreachable = createPool("postgres://postgres@127.0.0.1:1/none", { connectionTimeoutMillis: 1000 });
  beforeAll(async () => {
    server = await serve(db);
    down = await serve(db, unreachable);
  });
  afterAll(async () => {
    await server?.close();
    await down?.close();
    await unreachable.end();
  });

  it("GET /health answers 503 with the queue waiting", async () => {
    await db.q("select ds.build('t-root', '0.1.0', '2024-01-01', '2024-01-25')");
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "fail", checks: {
      database: { status: "pass" }, workers: { status: "fail", live: 0, registered: 0, last_activity_at: null },
      queue: { status: "pass", depth: 3, ready: 3, locked: 0 } } });
  });

  it("GET /health and /metrics answer 503 when the database is unreachable", async () => {
    const res = await fetch(`${down.url}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "fail", checks: { database: { status: "fail", error: expect.any(String) } } });
    expect((await fetch(`${down.url}/metrics`)).status).toBe(503);
  });

  it("answers 405 for other methods", async () => {
    expect((await fetch(`${server.url}/health`, { method: "POST" })).status).toBe(405);
  });
});
