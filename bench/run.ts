/**
 * `npm run bench`: datastream's benchmarks, each figure next to a baseline measured in the
 * same run on the same database, under durable settings (fsync, synchronous_commit and
 * full_page_writes on; see docs/benchmarks.md).
 *
 *   1. build throughput: ds.build → ds.wait with `ds worker` as its own process (N = 2
 *      chunk slots) vs raw COPY of the same rows into the same table in N streams, for 1
 *      row per point and 5 keys per point (target: at least 0.8); the worker's peak
 *      resident memory building 1M rows in one chunk (target: under 300 MiB);
 *      and where one chunk's time goes (profile, no target);
 *   2. planning: ds.build and ds.missing over ten built years vs over one day
 *      (target: within 2x), for the always-open and the intraday nyse calendar;
 *   2b. planning an unbuilt 10-year chain of 10 datasets vs 10 x one dataset (target: within
 *      2x) and 5,000+ tasks in under a second (planning.ts);
 *   3. per-chunk overhead: a build of empty one-point chunks vs no-op graphile-worker jobs
 *      (target: at least 0.5 of the jobs/s);
 *   4. SQL builders vs TypeScript builders: the same derived datasets built by their
 *      TypeScript (0.1.0) and SQL (0.2.0) versions (informational, no target);
 *   5. resampling one year of 1-minute bars for 20 tickers to 5m/1h/1d through the
 *      resample transform vs a plain `group by date_bin(...)` over the same rows;
 *   6. reads into Node: the typed range read and ds.data vs raw SELECT (targets 0.9, 0.7),
 *      GraphQL and REST 100-row requests vs a minimal Node + pg server (target 0.6; reads.ts);
 *   7. ds.asof: about 1M trades as-of joined onto 1M quotes vs a plain LATERAL join
 *      (targets: 1M trades/s and 3x; asof.ts);
 *   8. Parquet: 10M rows exported by `ds data --format parquet` and imported by `ds import`
 *      (child processes): rows/s and peak RSS, next to a raw binary COPY out (parquet.ts; no target).
 *   9. scale (only with BENCH_ONLY=scale: it writes 21M rows): one-day one-ticker reads and
 *      ds.missing at 20M rows vs 1M (target: within 1.5x), retention dropping a partition
 *      (target: under 1 s; scale.ts).
 *  10. pack (only with BENCH_ONLY=pack: it writes 4M rows): a year of minute bars of 20
 *      tickers packed vs unpacked: size (target: at most 0.25) and typed-read rows/s into
 *      Node (target: at least 0.5; pack.ts).
 *
 * Prints tables, one TARGET line per target (figure, baseline, ratio, target, met or
 * missed), and a last line `BENCH_JSON {...}`. Exits 0 when a target is missed, 1 only
 * when the bench fails.
 *
 * Environment: DATABASE_URL (use a scratch database on that server instead of an
 * embedded PostgreSQL 18), BENCH_ROWS (1000000), BENCH_RUNS (3), BENCH_CALLS (50),
 * BENCH_NOOP_CHUNKS (1000), BENCH_SLOTS (2: chunk slots of the worker = COPY streams of
 * the baseline), BENCH_COVERAGE (built | set), BENCH_CHUNKS (comma list of chunk sizes
 * for an extra one-run sweep), BENCH_SQL_ROWS (200000), BENCH_ASOF_ROWS (1000000),
 * BENCH_PARQUET_ROWS (10000000), BENCH_ONLY (comma list of throughput, memory, profile,
 * planning, chain, queue, sql, resample, reads, asof, parquet; scale and pack are not in the
 * default list), BENCH_SCALE_ROWS (20000000).
 */
import { availableParallelism, cpus, hostname, loadavg, totalmem } from "node:os";
import { openBenchDatabase, type BenchDatabase } from "./bench-database.ts";
import { cpuCeiling, measureThroughput, type ThroughputResult } from "./build-throughput.ts";
import { PHASES, profileChunks, type ChunkProfile } from "./chunk-profile.ts";
import { coverTenYears, measurePlanning, type CallLatency, type CoverageSetup } from "./planning.ts";
import { measureQueueOverhead, type QueueOverhead } from "./queue-overhead.ts";
import { measureSqlVsTs, prepareDependency, type SqlVsTsResult } from "./sql-vs-ts.ts";
import { measureResample, reportResample } from "./resample.ts";
import { asofTargets, measureAsof, printAsof } from "./asof.ts";
import { chainTargets, measureChainPlanning } from "./planning.ts";
import { measureReads, printReads, readTargets } from "./reads.ts";
import { measureParquet, printParquet } from "./parquet.ts";
import { measureScale, printScale, scaleTargets } from "./scale.ts";
import { measurePack, packTargets, printPack } from "./pack.ts";
import { formatNumber, heading, note, ratioTarget, table, targetLine, type Target } from "./report.ts";
import { envNumber } from "./env-number.ts";
import { median } from "./stats.ts";

const env = envNumber;

const ROWS = env("BENCH_ROWS", 1_000_000);
const RUNS = env("BENCH_RUNS", 3);
const CALLS = env("BENCH_CALLS", 50);
const NOOP_CHUNKS = env("BENCH_NOOP_CHUNKS", 1000);
const SLOTS = env("BENCH_SLOTS", 2);
const COVERAGE = process.env.BENCH_COVERAGE === "set" ? "set" : "built";
const SWEEP = (process.env.BENCH_CHUNKS ?? "").split(",").filter(Boolean).map(Number);
const SQL_ROWS = env("BENCH_SQL_ROWS", 200_000);
const ASOF_ROWS = env("BENCH_ASOF_ROWS", 1_000_000);
const ONLY = new Set((process.env.BENCH_ONLY ?? "throughput,memory,profile,planning,chain,queue,sql,resample,reads,asof,parquet").split(",").map((s) => s.trim()));

const THROUGHPUT_GOAL = 0.8;
const PLANNING_GOAL = 2;
const RSS_BUDGET_MIB = 300;
const CHUNK_OVERHEAD_GOAL = 0.5;

const log = (line: string) => console.log(line);
const seconds = (ms: number) => (ms / 1000).toFixed(2);

function machine() {
  const cpu = cpus();
  return {
    host: hostname(),
    cores: cpu.length,
    cpu: cpu[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

async function throughputSection(db: BenchDatabase, targets: Target[]): Promise<{ results: ThroughputResult[]; sweep: ThroughputResult[] }> {
  heading("1. Build throughput: ds.build → ds.wait vs raw COPY of the same rows");
  note(`median of ${RUNS} run(s); each run: truncate, build through one \`ds worker\` process with ${SLOTS} chunk slots (concurrency),`);
  note(`then truncate and COPY (pg-copy-streams, from memory) exactly the rows the build wrote, in ${SLOTS} concurrent streams.`);
  const workers = { processes: 1, concurrency: SLOTS };
  const cases = [
    { dataset: "bench-minute-ohlc", rowsPerPoint: 1, label: "1 row per point" },
    { dataset: "bench-minute-ohlc-tickers", rowsPerPoint: 5, label: "5 keys per point" },
  ];
  const results: ThroughputResult[] = [];
  for (const c of cases) {
    results.push(await measureThroughput(db, { dataset: c.dataset, rowsPerPoint: c.rowsPerPoint, rows: ROWS, runs: RUNS, workers }, log));
  }
  console.log();
  console.log(
    table(
      ["dataset", "workers", "rows", "chunk", "chunks", "build s", "build rows/s", "COPY s", "COPY rows/s", "ratio", "worker CPU µs/row", "worker peak MiB"],
      results.map((r) => [
        r.dataset,
        r.workers,
        r.rows,
        r.chunk,
        r.chunks,
        seconds(median(r.buildMs)),
        r.buildRowsPerSec,
        seconds(median(r.copyMs)),
        r.copyRowsPerSec,
        r.ratio.toFixed(2),
        ((r.nodeCpuSec * 1e6) / r.rows).toFixed(2),
        Number.isNaN(r.peakRssMiB) ? "-" : r.peakRssMiB.toFixed(0),
      ]),
      [0, 1],
    ),
  );
  note("chunk = points per job; worker CPU = user + system time of the `ds worker` process (all threads) per row written.");
  const cores = availableParallelism();
  console.log();
  console.log(
    table(
      ["dataset", "build CPU s: server", "worker", "bench", "all", "COPY CPU s: server", "bench", "all", "cores busy in build", "CPU ceiling of the ratio"],
      results.map((r) => [
        r.dataset,
        r.cpu.buildServer.toFixed(2),
        r.nodeCpuSec.toFixed(2),
        r.cpu.buildBench.toFixed(2),
        r.cpu.build.toFixed(2),
        r.cpu.copyServer.toFixed(2),
        r.cpu.copyBench.toFixed(2),
        r.cpu.copy.toFixed(2),
        `${((100 * r.cpu.build) / (cores * (median(r.buildMs) / 1000))).toFixed(0)}%`,
        cpuCeiling(r, cores).toFixed(2),
      ]),
    ),
  );
  note(`CPU = user + system seconds per run (medians): the database server's processes, the \`ds worker\` process, this process (ds.wait; the COPY client).`);
  note(`CPU ceiling = ${cores} cores x COPY seconds / the build's CPU: the ratio the build would reach with every core busy for it.`);
  for (const [i, r] of results.entries()) {
    targets.push(ratioTarget(
      `build throughput, ${cases[i]!.label} (${r.dataset}, ${formatNumber(r.rows)} rows, chunk ${r.chunk}, ${r.workers})`,
      "build rows/s / raw COPY rows/s",
      { value: r.buildRowsPerSec, unit: "rows/s" },
      { value: r.copyRowsPerSec, unit: "rows/s", what: `${r.streams} COPY streams` },
      { atLeast: THROUGHPUT_GOAL },
    ));
  }
  const sweep: ThroughputResult[] = [];
  if (SWEEP.length) {
    console.log();
    note(`chunk-size sweep of bench-minute-ohlc (one run each): ${SWEEP.join(", ")}`);
    for (const chunk of SWEEP) sweep.push(await measureThroughput(db, { dataset: "bench-minute-ohlc", rowsPerPoint: 1, rows: ROWS, runs: 1, chunk, workers }, log));
    console.log(
      table(
        ["chunk", "chunks", "build s", "build rows/s", "COPY rows/s", "ratio"],
        sweep.map((r) => [r.chunk, r.chunks, seconds(r.buildMs[0]!), r.buildRowsPerSec, r.copyRowsPerSec, r.ratio.toFixed(2)]),
      ),
    );
  }
  return { results, sweep };
}

async function memorySection(db: BenchDatabase, targets: Target[]): Promise<ThroughputResult> {
  heading("1a. Worker memory: 1M rows in one chunk");
  note(`bench-minute-ohlc, ${formatNumber(ROWS)} points in ONE chunk, one \`ds worker\` process with one slot; peak resident set (VmHWM, all threads).`);
  const r = await measureThroughput(db, { dataset: "bench-minute-ohlc", rowsPerPoint: 1, rows: ROWS, runs: 1, chunk: ROWS, workers: { processes: 1, concurrency: 1 }, baseline: false }, log);
  note(`peak resident memory of the worker: ${r.peakRssMiB.toFixed(0)} MiB; build ${seconds(r.buildMs[0]!)} s (${formatNumber(r.rows / (r.buildMs[0]! / 1000))} rows/s).`);
  targets.push(ratioTarget(
    `worker peak memory, ${formatNumber(r.rows)} rows in one chunk (bench-minute-ohlc)`,
    "peak RSS / budget",
    { value: r.peakRssMiB, unit: "MiB" },
    { value: RSS_BUDGET_MIB, unit: "MiB", what: "the budget" },
    { atMost: 1 },
  ));
  return r;
}

async function profileSection(db: BenchDatabase): Promise<ChunkProfile> {
  heading("1b. Where one chunk's time goes (bench-minute-ohlc, chunks run one at a time, in this process)");
  const p = await profileChunks(db.pool, "bench-minute-ohlc", 1, 10);
  note(`${p.chunksProfiled} chunks of ${p.chunk} points (${p.rowsPerChunk} rows); median ms per chunk:`);
  console.log();
  console.log(
    table(
      ["phase", "ms/chunk", "share", "µs/row", "what"],
      PHASES.map(([phase, what]) => [
        phase,
        p.phaseMs[phase].toFixed(2),
        phase === "streamed" ? "(check)" : `${((100 * p.phaseMs[phase]) / p.chunkMs).toFixed(0)}%`,
        ((1000 * p.phaseMs[phase]) / p.rowsPerChunk).toFixed(2),
        what,
      ]),
      [0, 4],
    ),
  );
  note(`phases one after the other: ${p.chunkMs.toFixed(1)} ms per chunk; streamed (thread and COPY overlapped, as the worker runs): ${p.phaseMs.streamed.toFixed(1)} ms.`);
  return p;
}

async function planningSection(db: BenchDatabase, targets: Target[]): Promise<{ coverage: CoverageSetup[]; calls: CallLatency[] }> {
  heading("2. Planning: ten built years vs one day (1-minute datasets)");
  note(
    COVERAGE === "built"
      ? "ten years (2015-01-01 .. 2024-12-31 23:59) built for real through the worker by builders that return no rows"
      : "ten years (2015-01-01 .. 2024-12-31 23:59) marked built by writing the version's coverage directly (BENCH_COVERAGE=set)",
  );
  note(`one day = 2020-06-15 00:00 .. 23:59 (a NYSE trading Monday); median of ${CALLS} calls each, interleaved, after 5 warm-up calls`);
  const coverage: CoverageSetup[] = [];
  const calls: CallLatency[] = [];
  for (const dataset of ["bench-empty-always-open", "bench-empty-nyse"]) {
    const setup = await coverTenYears(db, dataset, COVERAGE, log);
    coverage.push(setup);
    calls.push(...(await measurePlanning(db.pool, setup, CALLS)));
  }
  console.log();
  console.log(
    table(
      ["calendar", "call", "1 day ms", "10 years ms", "ratio", "1 day p90", "10 years p90"],
      calls.map((c) => [c.calendar, c.call, c.oneDayMs.toFixed(2), c.tenYearsMs.toFixed(2), c.ratio.toFixed(2), c.oneDayP90Ms.toFixed(2), c.tenYearsP90Ms.toFixed(2)]),
    ),
  );
  note("latency seen by a client on the same machine (one round trip per call); ds.build of a built range creates no task.");
  for (const c of calls) {
    targets.push(ratioTarget(
      `planning, ${c.call} on ${c.calendar} (10 years vs 1 day)`,
      "median latency ratio",
      { value: c.tenYearsMs, unit: "ms" },
      { value: c.oneDayMs, unit: "ms", what: "1 day" },
      { atMost: PLANNING_GOAL },
    ));
  }
  return { coverage, calls };
}

async function queueSection(db: BenchDatabase, targets: Target[]): Promise<QueueOverhead> {
  heading("3. Per-chunk overhead: empty one-point chunks vs no-op graphile-worker jobs");
  const q = await measureQueueOverhead(db, NOOP_CHUNKS, log);
  console.log(
    table(
      ["what", "count", "enqueue ms", "total s", "per second", "ms each"],
      [
        ["ds.build + ds.wait, 1-point chunks built empty", q.chunks, q.planMs.toFixed(0), seconds(q.buildMs), q.buildChunksPerSec, (q.buildMs / q.chunks).toFixed(2)],
        ["graphile_worker.add_jobs + no-op runner", q.chunks, q.addJobsMs.toFixed(0), seconds(q.jobsMs), q.jobsPerSec, (q.jobsMs / q.chunks).toFixed(2)],
      ],
    ),
  );
  note(`both in this process with concurrency ${q.concurrency}; chunks/s relative to jobs/s: ${q.ratio.toFixed(2)}.`);
  targets.push(ratioTarget(
    `chunk overhead, ${formatNumber(q.chunks)} empty one-point chunks (bench-noop)`,
    "chunks/s / no-op jobs/s",
    { value: q.buildChunksPerSec, unit: "chunks/s" },
    { value: q.jobsPerSec, unit: "jobs/s", what: "graphile-worker no-op jobs" },
    { atLeast: CHUNK_OVERHEAD_GOAL },
  ));
  return q;
}

async function sqlSection(db: BenchDatabase): Promise<SqlVsTsResult[]> {
  heading("4. SQL builders vs TypeScript builders (derived from bench-minute-ohlc)");
  note(`median of ${RUNS} run(s), alternating; each run: truncate, ds.build + ds.wait with the in-process worker`);
  note("(concurrency 2). 0.1.0 = builder.ts (rows through Node, COPY), 0.2.0 = builder.sql (ds_worker.run_sql_task).");
  await prepareDependency(db, SQL_ROWS, log);
  const results: SqlVsTsResult[] = [];
  for (const dataset of ["bench-minute-close", "bench-minute-sma"]) results.push(await measureSqlVsTs(db, dataset, SQL_ROWS, RUNS, log));
  console.log();
  console.log(
    table(
      ["dataset", "rows", "chunks", "TS s", "TS rows/s", "SQL s", "SQL rows/s", "SQL / TS", "differing rows"],
      results.map((r) => [r.dataset, r.rows, r.chunks, seconds(median(r.tsMs)), r.tsRowsPerSec, seconds(median(r.sqlMs)), r.sqlRowsPerSec, r.ratio.toFixed(2), r.differences]),
    ),
  );
  note("bench-minute-close: the close of each bar; bench-minute-sma: a 5-minute moving average (lookback 5m, a window function in SQL).");
  return results;
}

async function main(): Promise<number> {
  const started = new Date();
  const load0 = loadavg();
  const m = machine();
  console.log(`datastream bench — ${started.toISOString()}`);
  console.log(`machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}`);
  console.log(`load average at start: ${load0.map((x) => x.toFixed(2)).join(" ")}${load0[0]! > m.cores ? "  (busy machine: expect noisy figures)" : ""}`);
  const db = await openBenchDatabase();
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error("\ninterrupted: removing the bench database…");
    db.close().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  console.log(`database: ${db.server}`);
  const targets: Target[] = [];
  const out: Record<string, unknown> = {};
  try {
    if (ONLY.has("throughput")) out.throughput = await throughputSection(db, targets);
    if (ONLY.has("memory")) out.memory = await memorySection(db, targets);
    if (ONLY.has("profile")) out.chunkProfile = await profileSection(db);
    if (ONLY.has("planning")) out.planning = await planningSection(db, targets);
    if (ONLY.has("chain")) {
      heading("2b. Planning an unbuilt 10-year chain of 10 datasets vs 10 x one dataset");
      const r = await measureChainPlanning(db, log);
      targets.push(...chainTargets(r));
      out.chainPlanning = r;
    }
    if (ONLY.has("queue")) out.queueOverhead = await queueSection(db, targets);
    if (ONLY.has("sql")) out.sqlVsTs = await sqlSection(db);
    if (ONLY.has("resample")) {
      heading("5. Resampling through the resample transform vs a plain group by date_bin");
      const r = await measureResample(db, RUNS, log);
      reportResample(r);
      out.resample = r;
    }
    if (ONLY.has("reads")) {
      const r = await measureReads(db, log);
      printReads(r);
      targets.push(...readTargets(r));
      out.reads = r;
    }
    if (ONLY.has("asof")) {
      const r = await measureAsof(db.pool, { rows: ASOF_ROWS, runs: RUNS }, log);
      printAsof(r);
      targets.push(...asofTargets(r));
      out.asof = r;
    }
    if (ONLY.has("parquet")) {
      const r = await measureParquet(db, undefined, log);
      printParquet(r);
      out.parquet = r;
    }
    if (ONLY.has("scale")) {
      const r = await measureScale(db.pool, {}, log);
      printScale(r);
      targets.push(...scaleTargets(r));
      out.scale = r;
    }
    if (ONLY.has("pack")) {
      const r = await measurePack(db.pool, { runs: RUNS }, log);
      printPack(r);
      targets.push(...packTargets(r));
      out.pack = r;
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await db.close();
  }
  const load1 = loadavg();
  heading("Targets");
  for (const t of targets) console.log(targetLine(t));
  const missed = targets.filter((t) => !t.met).length;
  console.log(missed ? `\n${missed} TARGET(S) MISSED of ${targets.length}` : `\nall ${targets.length} targets met`);
  console.log(`load average at end: ${load1.map((x) => x.toFixed(2)).join(" ")}; bench took ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s`);
  const json = {
    date: started.toISOString(),
    machine: { ...m, loadavgStart: load0, loadavgEnd: load1 },
    server: db.server,
    settings: { rows: ROWS, runs: RUNS, calls: CALLS, noopChunks: NOOP_CHUNKS, slots: SLOTS, coverage: COVERAGE, sqlRows: SQL_ROWS },
    ...out,
    targets,
  };
  console.log(`BENCH_JSON ${JSON.stringify(json)}`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error("bench failed:", err);
    process.exitCode = 1;
  },
);
