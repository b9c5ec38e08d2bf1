/**
 * Build throughput: a one-minute dataset of about a million rows built end to end
 * (ds.build → rows committed → ds.wait returns) by `ds worker` running as its own process
 * with N chunk slots (concurrency), against a raw COPY of the very same rows into the same
 * truncated table in N concurrent streams; alternating, median of the runs, after one
 * untimed warm-up build. Also the worker's CPU per row and its peak resident memory.
 */
import { performance } from "node:perf_hooks";
import type pg from "pg";
import { buildAndWait, lastPoint } from "./build-and-wait.ts";
import { findVersion, resetVersion, rowCount, setChunk, type DatasetVersion } from "./dataset-table.ts";
import { serverCpuReader } from "./process-cpu.ts";
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
  /** Default: one `ds worker` process with concurrency 2. */
  workers?: WorkerSetup;
  /** False: no COPY baseline (a memory run). */
  baseline?: boolean;
}

export interface ThroughputResult {
  dataset: string;
  rows: number;
  points: number;
  rowsPerPoint: number;
  chunk: number;
  chunks: number;
  workers: string;
  /** Concurrent COPY streams of the baseline (= chunk slots of the build). */
  streams: number;
  bytes: number;
  buildMs: number[];
  planMs: number[];
  copyMs: number[];
  /** Share of the build's wall time the Node event loop was busy (in-process worker only). */
  nodeBusy: number;
  /** CPU seconds of the worker (all its threads, all processes) per build, median. */
  nodeCpuSec: number;
  /**
   * CPU seconds per build and per baseline COPY, medians: the database server's processes,
   * and this process (ds.wait's polls; the COPY streams' client); NaN when the server's
   * processes are not visible here.
   */
  cpu: { buildServer: number; buildBench: number; copyServer: number; copyBench: number;
    /** The build's whole CPU (server, worker, this process) and the COPY's (server, this process). */
    build: number; copy: number };
  /** Peak resident memory of the worker process(es) over the runs, MiB (NaN in-process). */
  peakRssMiB: number;
  buildRowsPerSec: number;
  copyRowsPerSec: number;
  ratio: number;
}

export const START = new Date("2015-01-01T00:00:00Z");
/** Rows of the untimed warm-up build of each case. */
const WARM_UP_ROWS = 50_000;

export async function measureThroughput(db: { pool: pg.Pool; url: string }, c: ThroughputCase, log: (s: string) => void): Promise<ThroughputResult> {
  const { pool } = db;
  const v: DatasetVersion = await findVersion(pool, c.dataset);
  const configuredChunk = v.chunk;
  if (c.chunk) await setChunk(pool, v, c.chunk);
  const points = Math.ceil(c.rows / c.rowsPerPoint);
  const rows = points * c.rowsPerPoint;
  const end = lastPoint(START, points, v.stepMs);
  const workers = c.workers ?? { processes: 1, concurrency: 2 };
  const streams = Math.max(1, workers.processes) * workers.concurrency;
  const inProcess = workers.processes === 0;
  const worker = await startWorkers(db, workers, log);
  const buildMs: number[] = [];
  const planMs: number[] = [];
  const copyMs: number[] = [];
  const busy: number[] = [];
  const cpu: number[] = [];
  const cpuOf = { buildServer: [] as number[], buildBench: [] as number[], copyServer: [] as number[], copyBench: [] as number[] };
  const serverCpu = await serverCpuReader(pool);
  /** Runs `work`, recording the server's CPU and this process's in `server` and `bench`. */
  const metered = async <T>(server: number[], bench: number[], work: () => Promise<T>): Promise<T> => {
    const [s0, b0] = [serverCpu?.() ?? NaN, process.cpuUsage()];
    const value = await work();
    const b = process.cpuUsage(b0);
    server.push((serverCpu?.() ?? NaN) - s0);
    bench.push((b.user + b.system) / 1e6);
    return value;
  };
  let captured: Awaited<ReturnType<typeof captureRows>> | undefined;
  let chunks = 0;
  let peak = NaN;
  try {
    // a deployed worker runs for days: one small build first spawns its builder threads
    // and warms its code, which the timed runs should not pay for
    await buildAndWait(pool, v.name, v.version, START, lastPoint(START, Math.min(points, Math.ceil(WARM_UP_ROWS / c.rowsPerPoint)), v.stepMs));
    for (let run = 0; run < c.runs; run++) {
      await resetVersion(pool, v);
      const elu0 = performance.eventLoopUtilization();
      const cpu0 = inProcess ? process.cpuUsage() : undefined;
      const wcpu0 = worker.cpuSeconds();
      const b = await metered(cpuOf.buildServer, cpuOf.buildBench, () => buildAndWait(pool, v.name, v.version, START, end));
      busy.push(performance.eventLoopUtilization(elu0).utilization);
      if (cpu0) {
        const d = process.cpuUsage(cpu0);
        cpu.push((d.user + d.system) / 1e6);
      } else cpu.push(worker.cpuSeconds() - wcpu0);
      const n = await rowCount(pool, v);
      if (n !== rows) throw new Error(`${v.name}: the build wrote ${n} rows, expected ${rows}`);
      buildMs.push(b.totalMs);
      planMs.push(b.planMs);
      chunks = b.tasks;
      const busyText = inProcess ? `, Node event loop busy ${(busy.at(-1)! * 100).toFixed(0)}%` : "";
      log(`   ${v.name} run ${run + 1}: build ${(b.totalMs / 1000).toFixed(2)} s (${b.tasks} chunks of ${v.chunk} points, ${describeWorkers(workers)}${busyText})`);
      if (c.baseline === false) continue;
      // the baseline copies exactly the rows this build wrote
      captured ??= await captureRows(pool, v);
      await resetVersion(pool, v);
      const ms = await metered(cpuOf.copyServer, cpuOf.copyBench, () => copyCaptured(pool, v, captured!, streams));
      const m = await rowCount(pool, v);
      if (m !== rows) throw new Error(`${v.name}: raw COPY wrote ${m} rows, expected ${rows}`);
      copyMs.push(ms);
      log(`   ${v.name} run ${run + 1}: raw COPY ${(ms / 1000).toFixed(2)} s (${streams} stream${streams > 1 ? "s" : ""})`);
    }
    const rss = worker.peakRssMiB();
    if (rss.length) peak = Math.max(...rss);
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
    streams,
    bytes: captured?.bytes ?? 0,
    buildMs,
    planMs,
    copyMs,
    nodeBusy: inProcess ? median(busy) : NaN,
    nodeCpuSec: median(cpu),
    cpu: {
      buildServer: median(cpuOf.buildServer), buildBench: median(cpuOf.buildBench), copyServer: median(cpuOf.copyServer), copyBench: median(cpuOf.copyBench),
      // an in-process worker's CPU is this process's
      build: median(cpu.map((w, i) => cpuOf.buildServer[i]! + cpuOf.buildBench[i]! + (inProcess ? 0 : w))),
      copy: median(cpuOf.copyServer.map((c, i) => c + cpuOf.copyBench[i]!)),
    },
    peakRssMiB: peak,
    buildRowsPerSec,
    copyRowsPerSec,
    ratio: buildRowsPerSec / copyRowsPerSec,
  };
}

/**
 * The highest ratio the build could reach on `cores` cores, given the CPU it needs: with
 * every core busy it takes at least (its CPU / cores) seconds, against the baseline's
 * median COPY time. NaN when the server's CPU was not measured.
 */
export function cpuCeiling(r: ThroughputResult, cores: number): number {
  return (cores * median(r.copyMs)) / 1000 / r.cpu.build;
}
