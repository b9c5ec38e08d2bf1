/**
 * The engine's per-chunk overhead against the queue it runs on: a build of N one-point
 * chunks whose builder returns nothing (start_task, clear_task_rows, complete_task and
 * the planning of N tasks are all that is left), against N no-op graphile-worker jobs
 * added with graphile_worker.add_jobs (job keys, as the engine adds them) and run by a
 * plain runner with the same concurrency.
 */
import { Logger, run } from "graphile-worker";
import type pg from "pg";
import { startWorker } from "../worker/run-worker.ts";
import { benchBuilders } from "./bench-database.ts";
import { buildAndWait, lastPoint } from "./build-and-wait.ts";
import { findVersion, resetVersion } from "./dataset-table.ts";
import { now } from "./stats.ts";

export interface QueueOverhead {
  chunks: number;
  concurrency: number;
  /** ds.build alone: planning N tasks and adding N jobs. */
  planMs: number;
  buildMs: number;
  buildChunksPerSec: number;
  /** graphile_worker.add_jobs alone. */
  addJobsMs: number;
  jobsMs: number;
  jobsPerSec: number;
  ratio: number;
}

const quiet = new Logger(() => () => {});

export async function measureQueueOverhead(db: { pool: pg.Pool; url: string }, chunks: number, log: (s: string) => void): Promise<QueueOverhead> {
  const { pool } = db;
  const concurrency = 2;
  const v = await findVersion(pool, "bench-noop");
  await resetVersion(pool, v);
  const start = new Date("2015-01-01T00:00:00Z");
  const worker = await startWorker({ pool, connectionString: db.url, buildersDir: benchBuilders, concurrency, log });
  let build;
  try {
    build = await buildAndWait(pool, v.name, v.version, start, lastPoint(start, chunks, v.stepMs));
  } finally {
    await worker.stop();
  }
  if (build.tasks !== chunks) throw new Error(`bench-noop: expected ${chunks} chunks, the build had ${build.tasks}`);

  let done = 0;
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const runner = await run({
    pgPool: pool,
    concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: quiet,
    taskList: {
      bench_noop: async () => {
        if (++done === chunks) finished();
      },
    },
  });
  let addJobsMs: number;
  let jobsMs: number;
  try {
    const t0 = now();
    await pool.query(
      `select graphile_worker.add_jobs(array(
         select row('bench_noop', json_build_object('n', i), null, null, 1, 'bench-noop-' || i, null, null)::graphile_worker.job_spec
         from generate_series(1, $1) i))`,
      [chunks],
    );
    addJobsMs = now() - t0;
    await allDone;
    jobsMs = now() - t0;
  } finally {
    await runner.stop();
  }
  const buildChunksPerSec = chunks / (build.totalMs / 1000);
  const jobsPerSec = chunks / (jobsMs / 1000);
  return {
    chunks,
    concurrency,
    planMs: build.planMs,
    buildMs: build.totalMs,
    buildChunksPerSec,
    addJobsMs,
    jobsMs,
    jobsPerSec,
    ratio: buildChunksPerSec / jobsPerSec,
  };
}
