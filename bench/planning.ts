/**
 * Planning cost against range length: ds.build and ds.missing over ten years of a
 * one-minute dataset that is already built, against the same calls over one day, for the
 * always-open and the intraday nyse calendar. The ten years are built for real by a
 * builder that returns no rows (built-empty points are built), unless coverage is asked
 * to be set directly (BENCH_COVERAGE=set), which writes the version's coverage.
 *
 * Also the cost of planning unbuilt work (measureChainPlanning, chainTargets): ds.build
 * over ten unbuilt years of a chain of ten daily datasets (bench-chain-01 <- ... <-
 * bench-chain-10, chunks of 7 points: about 5,200 tasks and 9,400 edges) against ten times
 * ds.build of the chain's root alone (about 520 tasks), each call in a transaction that is
 * rolled back, so every call plans the same unbuilt years.
 */
import { readFileSync } from "node:fs";
import type pg from "pg";
import type { Target } from "./report.ts";
import { startWorker } from "../worker/run-worker.ts";
import { benchBuilders } from "./bench-database.ts";
import { buildAndWait } from "./build-and-wait.ts";
import { findVersion } from "./dataset-table.ts";
import { median, now, quantile } from "./stats.ts";

export const TEN_YEARS = { start: new Date("2015-01-01T00:00:00Z"), end: new Date("2024-12-31T23:59:00Z") };
/** A Monday on which NYSE trades, inside the ten years. */
export const ONE_DAY = { start: new Date("2020-06-15T00:00:00Z"), end: new Date("2020-06-15T23:59:00Z") };

export interface CoverageSetup {
  dataset: string;
  calendar: string;
  how: "built" | "set";
  points: number;
  seconds: number;
  coverageRanges: number;
}

export interface CallLatency {
  call: "ds.build" | "ds.missing";
  dataset: string;
  calendar: string;
  oneDayMs: number;
  tenYearsMs: number;
  oneDayP90Ms: number;
  tenYearsP90Ms: number;
  ratio: number;
}

async function one<T>(pool: pg.Pool, sql: string, params: unknown[]): Promise<T> {
  return (await pool.query(sql, params)).rows[0] as T;
}

/** Make the ten years built: for real through the worker, or by writing coverage. */
export async function coverTenYears(db: { pool: pg.Pool; url: string }, dataset: string, how: "built" | "set", log: (s: string) => void): Promise<CoverageSetup> {
  const { pool } = db;
  const v = await findVersion(pool, dataset);
  const { calendar } = await one<{ calendar: string }>(pool, "select calendar from ds_private.dataset_versions where id = $1", [v.id]);
  const { points } = await one<{ points: number }>(
    pool,
    "select ds_private.slot_count(ds_private.version_slots($1, tstzmultirange(tstzrange($2, $3, '[]'))), step)::float8 as points from ds_private.dataset_versions where id = $1",
    [v.id, TEN_YEARS.start, TEN_YEARS.end],
  );
  const t0 = now();
  if (how === "built") {
    const worker = await startWorker({ pool, connectionString: db.url, buildersDir: benchBuilders, concurrency: 2, log });
    try {
      await buildAndWait(pool, v.name, v.version, TEN_YEARS.start, TEN_YEARS.end);
    } finally {
      await worker.stop();
    }
  } else {
    await pool.query("update ds_private.dataset_versions set coverage = tstzmultirange(tstzrange($2, $3, '[]')) where id = $1", [
      v.id,
      TEN_YEARS.start,
      TEN_YEARS.end,
    ]);
  }
  const seconds = (now() - t0) / 1000;
  const { ranges } = await one<{ ranges: number }>(pool, "select cardinality(array(select unnest(coverage)))::int as ranges from ds_private.dataset_versions where id = $1", [v.id]);
  const missing = await pool.query("select * from ds.missing($1, $2, $3, $4)", [v.name, v.version, TEN_YEARS.start, TEN_YEARS.end]);
  if (missing.rowCount) throw new Error(`${v.name}: ten years still have ${missing.rowCount} missing ranges after ${how === "built" ? "the build" : "setting coverage"}`);
  log(`   ${v.name}: ten years (${points} points) ${how === "built" ? "built" : "covered"} in ${seconds.toFixed(1)} s; coverage has ${ranges} range(s)`);
  return { dataset: v.name, calendar, how, points, seconds, coverageRanges: ranges };
}

/** Median latency of `calls` calls of each of the four (call, range) pairs, interleaved. */
export async function measurePlanning(pool: pg.Pool, setup: CoverageSetup, calls: number): Promise<CallLatency[]> {
  const name = setup.dataset;
  const version = "0.1.0";
  const cases = [
    { call: "ds.build" as const, range: ONE_DAY, sql: "select ds.build($1, $2, $3, $4) as id" },
    { call: "ds.build" as const, range: TEN_YEARS, sql: "select ds.build($1, $2, $3, $4) as id" },
    { call: "ds.missing" as const, range: ONE_DAY, sql: "select * from ds.missing($1, $2, $3, $4)" },
    { call: "ds.missing" as const, range: TEN_YEARS, sql: "select * from ds.missing($1, $2, $3, $4)" },
  ];
  const samples = cases.map(() => [] as number[]);
  const client = await pool.connect();
  try {
    const warmup = 5;
    for (let i = 0; i < warmup + calls; i++) {
      for (let k = 0; k < cases.length; k++) {
        const c = cases[k]!;
        const t0 = now();
        const { rows } = await client.query(c.sql, [name, version, c.range.start, c.range.end]);
        const ms = now() - t0;
        if (i >= warmup) samples[k]!.push(ms);
        if (i === 0 && c.call === "ds.build") {
          const { n } = (await client.query("select count(*)::int as n from ds_private.tasks where build_id = $1", [rows[0].id])).rows[0];
          if (n !== 0) throw new Error(`${name}: ds.build of a built range created ${n} tasks`);
        }
        if (c.call === "ds.missing" && rows.length) throw new Error(`${name}: ds.missing found ${rows.length} missing ranges in a built range`);
      }
    }
  } finally {
    client.release();
  }
  const out: CallLatency[] = [];
  for (const call of ["ds.build", "ds.missing"] as const) {
    const day = samples[cases.findIndex((c) => c.call === call && c.range === ONE_DAY)]!;
    const years = samples[cases.findIndex((c) => c.call === call && c.range === TEN_YEARS)]!;
    out.push({
      call,
      dataset: name,
      calendar: setup.calendar,
      oneDayMs: median(day),
      tenYearsMs: median(years),
      oneDayP90Ms: quantile(day, 0.9),
      tenYearsP90Ms: quantile(years, 0.9),
      ratio: median(years) / median(day),
    });
  }
  return out;
}

export const CHAIN = { root: "bench-chain-01", top: "bench-chain-10", datasets: 10 };

export interface ChainPlanning {
  runs: number;
  /** ds.build of the root alone over the ten years: median ms and tasks created */
  oneMs: number;
  oneTasks: number;
  /** ds.build of the top of the chain (all ten datasets): median ms, tasks and edges */
  chainMs: number;
  chainTasks: number;
  chainEdges: number;
  /** chainMs / (datasets x oneMs): planning is linear when this stays near 1 */
  ratio: number;
  /**
   * The same two medians in CPU time of the server process that ran ds.build (from
   * /proc/<pid>/stat, 10 ms ticks; null when the server is not on this machine): wall time
   * on a busy machine counts the waits for a core, CPU time only the work.
   */
  oneCpuMs: number | null;
  chainCpuMs: number | null;
  oneSamples: number[];
  chainSamples: number[];
}

/** CPU milliseconds (user + system) a local process has used, or null when it cannot be read. */
function processCpuMs(pid: number): number | null {
  try {
    // fields after the command's closing parenthesis: state is field 3, utime 14, stime 15
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** ds.build of one dataset in a rolled-back transaction: its latency, server CPU time, tasks and edges. */
async function planRolledBack(client: pg.PoolClient, pid: number, dataset: string): Promise<{ ms: number; cpuMs: number | null; tasks: number; edges: number }> {
  await client.query("begin");
  try {
    const cpu0 = processCpuMs(pid);
    const t0 = now();
    const { id } = (await client.query("select ds.build($1, '0.1.0', $2, $3) as id", [dataset, TEN_YEARS.start, TEN_YEARS.end])).rows[0];
    const ms = now() - t0;
    const cpu1 = processCpuMs(pid);
    const cpuMs = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
    const { tasks, edges } = (
      await client.query(
        `select count(*)::int as tasks, (select count(*)::int from ds_private.task_edges e join ds_private.tasks t on t.id = e.task_id
                                         where t.build_id = $1) as edges
         from ds_private.tasks where build_id = $1`,
        [id],
      )
    ).rows[0];
    return { ms, cpuMs, tasks, edges };
  } finally {
    await client.query("rollback");
  }
}

/**
 * Planning an unbuilt ten-year chain of ten datasets vs ten times one of them: median of
 * `runs` interleaved pairs of calls after one warm-up pair. Call it on a bench database
 * (openBenchDatabase, which registers bench/builders) on which the chain was never built.
 */
export async function measureChainPlanning(db: { pool: pg.Pool }, log: (s: string) => void, runs = 7): Promise<ChainPlanning> {
  const client = await db.pool.connect();
  const oneSamples: number[] = [];
  const chainSamples: number[] = [];
  const oneCpu: number[] = [];
  const chainCpu: number[] = [];
  let one = { ms: 0, cpuMs: null as number | null, tasks: 0, edges: 0 };
  let chain = { ms: 0, cpuMs: null as number | null, tasks: 0, edges: 0 };
  try {
    const pid = Number((await client.query("select pg_backend_pid() as pid")).rows[0].pid);
    for (let i = 0; i <= runs; i++) {
      one = await planRolledBack(client, pid, CHAIN.root);
      chain = await planRolledBack(client, pid, CHAIN.top);
      if (i === 0) continue; // warm-up
      oneSamples.push(one.ms);
      chainSamples.push(chain.ms);
      if (one.cpuMs !== null && chain.cpuMs !== null) {
        oneCpu.push(one.cpuMs);
        chainCpu.push(chain.cpuMs);
      }
    }
  } finally {
    client.release();
  }
  if (one.tasks < 100 || chain.tasks < CHAIN.datasets * one.tasks * 0.9) {
    throw new Error(`chain planning: expected about ${CHAIN.datasets} x ${one.tasks} tasks, ds.build created ${chain.tasks}: was the chain built already?`);
  }
  const oneMs = median(oneSamples);
  const chainMs = median(chainSamples);
  const oneCpuMs = oneCpu.length ? median(oneCpu) : null;
  const chainCpuMs = chainCpu.length ? median(chainCpu) : null;
  const result = {
    runs, oneMs, oneTasks: one.tasks, chainMs, chainTasks: chain.tasks, chainEdges: chain.edges, ratio: chainMs / (CHAIN.datasets * oneMs),
    oneCpuMs, chainCpuMs, oneSamples, chainSamples,
  };
  const cpu = (ms: number | null) => (ms === null ? "" : ` (server CPU ${ms.toFixed(0)} ms)`);
  log(`   ${CHAIN.root} alone: ${one.tasks} tasks in ${oneMs.toFixed(1)} ms${cpu(oneCpuMs)}; ${CHAIN.top} (the chain of ${CHAIN.datasets}): ${chain.tasks} tasks, ${chain.edges} edges in ${chainMs.toFixed(1)} ms${cpu(chainCpuMs)} (medians of ${runs})`);
  return result;
}

/** Issue 8's two planning targets: the chain within 2x ten times one dataset, and 5,000+ tasks in under a second. */
export function chainTargets(r: ChainPlanning): Target[] {
  return [
    {
      name: `planning, unbuilt 10-year chain of ${CHAIN.datasets} datasets vs ${CHAIN.datasets} x one dataset`,
      measure: `chain ds.build ms / (${CHAIN.datasets} x one dataset's ms)`,
      value: r.ratio,
      goal: "<= 2.00",
      met: r.ratio <= 2,
      figure: `${r.chainMs.toFixed(0)} ms (${r.chainTasks.toLocaleString("en-US")} tasks)`,
      baseline: `10 x ${r.oneMs.toFixed(1)} ms (${r.oneTasks} tasks each)`,
    },
    {
      name: `planning, ${r.chainTasks.toLocaleString("en-US")} tasks (the chain)`,
      measure: "ds.build seconds",
      value: r.chainMs / 1000,
      goal: "< 1",
      met: r.chainTasks >= 5000 && r.chainMs < 1000,
      figure: `${r.chainMs.toFixed(0)} ms`,
      baseline: "1 s (the goal)",
    },
  ];
}
