/**
 * Build throughput: a one-minute dataset of about a million rows built end to end through
 * ds.build + ds.wait by an in-process worker (concurrency 2), against a raw COPY of the
 * very same rows into the same truncated table, alternating, median of the runs.
 */
import { performance } from "node:perf_hooks";
import type pg from "pg";
import { buildAndWait, lastPoint } from "./build-and-wait.ts";
import { findVersion, resetVersion, rowCount, setChunk, type DatasetVersion } from "./dataset-table.ts";
import { captureRows, copyCaptured } from "./raw-copy.ts";
import { median } from "./stats.ts";
import { describeWorkers, startWorkers, type WorkerSetup } from "./worker-processes.ts";

export interface ThroughputCase {
  dataset: string;
  rowsPerPoint: number;
  rows: number;
  runs: number;
  /** Override the chunk of config.toml (points per job). */
  chunk?: number;
  /** Default: the in-process worker with concurrency 2. */
  workers?: WorkerSetup;
}

export interface ThroughputResult {
  dataset: string;
  rows: number;
  points: number;
  rowsPerPoint: number;
  chunk: number;
  chunks: number;
  workers: string;
  bytes: number;
  buildMs: number[];
  planMs: number[];
  copyMs: number[];
  /** Share of the build's wall time the Node event loop was busy (median of the runs; in-process worker only). */
  nodeBusy: number;
  /** CPU seconds of the Node process (all its threads) per build, median. */
  nodeCpuSec: number;
  buildRowsPerSec: number;
  copyRowsPerSec: number;
  ratio: number;
}

export const START = new Date("2015-01-01T00:00:00Z");

export async function measureThroughput(db: { pool: pg.Pool; url: string }, c: ThroughputCase, log: (s: string) => void): Promise<ThroughputResult> {
  const { pool } = db;
  const v: DatasetVersion = await findVersion(pool, c.dataset);
  const configuredChunk = v.chunk;
  if (c.chunk) await setChunk(pool, v, c.chunk);
  const points = Math.ceil(c.rows / c.rowsPerPoint);
  const rows = points * c.rowsPerPoint;
  const end = lastPoint(START, points, v.stepMs);
  const workers = c.workers ?? { processes: 0, concurrency: 2 };
  const worker = await startWorkers(db, workers, log);
  const buildMs: number[] = [];
  const planMs: number[] = [];
  const copyMs: number[] = [];
  const busy: number[] = [];
  const cpu: number[] = [];
  let captured: Awaited<ReturnType<typeof captureRows>> | undefined;
  let chunks = 0;
  try {
    for (let run = 0; run < c.runs; run++) {
      await resetVersion(pool, v);
      const elu0 = performance.eventLoopUtilization();
      const cpu0 = process.cpuUsage();
      const b = await buildAndWait(pool, v.name, v.version, START, end);
      busy.push(performance.eventLoopUtilization(elu0).utilization);
      const dCpu = process.cpuUsage(cpu0);
      cpu.push((dCpu.user + dCpu.system) / 1e6);
      const n = await rowCount(pool, v);
      if (n !== rows) throw new Error(`${v.name}: the build wrote ${n} rows, expected ${rows}`);
      buildMs.push(b.totalMs);
      planMs.push(b.planMs);
      chunks = b.tasks;
      const busyText = workers.processes === 0 ? `, Node event loop busy ${(busy.at(-1)! * 100).toFixed(0)}%` : "";
      log(`   ${v.name} run ${run + 1}: build ${(b.totalMs / 1000).toFixed(2)} s (${b.tasks} chunks of ${v.chunk} points, ${describeWorkers(workers)}${busyText})`);
      // the baseline copies exactly the rows this build wrote
      captured ??= await captureRows(pool, v);
      await resetVersion(pool, v);
      const ms = await copyCaptured(pool, v, captured);
      const m = await rowCount(pool, v);
      if (m !== rows) throw new Error(`${v.name}: raw COPY wrote ${m} rows, expected ${rows}`);
      copyMs.push(ms);
      log(`   ${v.name} run ${run + 1}: raw COPY ${(ms / 1000).toFixed(2)} s`);
    }
  } finally {
    await worker.stop();
    await resetVersion(pool, v);
  }
  const chunk = v.chunk;
  if (chunk !== configuredChunk) await setChunk(pool, v, configuredChunk);
  const buildRowsPerSec = rows / (median(buildMs) / 1000);
  const copyRowsPerSec = rows / (median(copyMs) / 1000);
  return {
    dataset: v.name,
    rows,
    points,
    rowsPerPoint: c.rowsPerPoint,
    chunk,
    chunks,
    workers: describeWorkers(workers),
    bytes: captured?.bytes ?? 0,
    buildMs,
    planMs,
    copyMs,
    nodeBusy: workers.processes === 0 ? median(busy) : NaN,
    nodeCpuSec: workers.processes === 0 ? median(cpu) : NaN,
    buildRowsPerSec,
    copyRowsPerSec,
    ratio: buildRowsPerSec / copyRowsPerSec,
  };
}
