/**
 * The checks of GET /health: the database answers (and how fast), at least one worker is
 * live (it holds its advisory lock) and when work last happened, and the job queue. In the
 * spirit of the IETF health-check draft: each check and the whole have a status of pass,
 * warn or fail; fail means HTTP 503.
 */
import { performance } from "node:perf_hooks";
import type pg from "pg";

export type CheckStatus = "pass" | "warn" | "fail";

export interface HealthReport {
  status: CheckStatus;
  checks: {
    database: { status: CheckStatus; latency_ms?: number; error?: string };
    workers: { status: CheckStatus; live?: number; registered?: number; running_chunks?: number;
      last_activity_at?: string | null; last_activity_age_seconds?: number | null };
    queue: { status: CheckStatus; depth?: number; ready?: number; locked?: number; failed?: number;
      oldest_ready_age_seconds?: number | null };
  };
}

interface HealthRow {
  registered_workers: number;
  live_workers: number;
  last_activity_at: Date | null;
  last_activity_seconds: number | null;
  running_chunks: number;
  queue_depth: number;
  queue_ready: number;
  queue_locked: number;
  queue_failed: number;
  oldest_ready_seconds: number | null;
}

export interface HealthOptions {
  /** A check that takes longer fails (default 5000 ms). */
  timeoutMs?: number;
  /** A job ready for longer than this while workers are live is a warning (default 60 s). */
  stuckQueueSeconds?: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const round = (n: number | null, digits = 3) => (n === null ? null : Number(n.toFixed(digits)));
const worst = (...s: CheckStatus[]): CheckStatus => (s.includes("fail") ? "fail" : s.includes("warn") ? "warn" : "pass");

export async function checkHealth(pool: pg.Pool, { timeoutMs = 5000, stuckQueueSeconds = 60 }: HealthOptions = {}): Promise<HealthReport> {
  let latency: number;
  let row: HealthRow;
  try {
    [latency, row] = await withTimeout((async () => {
      const client = await pool.connect();
      try {
        const started = performance.now();
        await client.query("select 1");
        const elapsed = performance.now() - started;
        return [elapsed, (await client.query<HealthRow>("select * from ds_server.health()")).rows[0]!] as const;
      } finally {
        client.release();
      }
    })(), timeoutMs);
  } catch (err) {
    const error = (err as Error).message || String(err);
    return { status: "fail", checks: { database: { status: "fail", error }, workers: { status: "fail" }, queue: { status: "fail" } } };
  }
  const workers = row.live_workers > 0 ? "pass" : "fail";
  const stuck = row.live_workers > 0 && (row.oldest_ready_seconds ?? 0) > stuckQueueSeconds;
  const queue = stuck ? "warn" : "pass";
  return {
    status: worst(workers, queue),
    checks: {
      database: { status: "pass", latency_ms: Number(latency.toFixed(3)) },
      workers: {
        status: workers, live: row.live_workers, registered: row.registered_workers, running_chunks: row.running_chunks,
        last_activity_at: row.last_activity_at?.toISOString() ?? null, last_activity_age_seconds: round(row.last_activity_seconds),
      },
      queue: {
        status: queue, depth: row.queue_depth, ready: row.queue_ready, locked: row.queue_locked, failed: row.queue_failed,
        oldest_ready_age_seconds: round(row.oldest_ready_seconds),
      },
    },
  };
}
