/**
 * `ds worker`: a graphile-worker runner for the `ds_run_task` task and the `ds_refresh`
 * cron items of scheduled datasets, builders in threads (builder-pool.ts), the liveness
 * lock that lets any worker recover at once the chunks of a worker that died, and a
 * heartbeat that stops chunks cancelled meanwhile.
 *
 * The worker rides out database restarts and dropped connections: the liveness lock
 * reconnects under the same id, and when the job runner gives up (graphile-worker shuts
 * its pool down when it cannot record a job's outcome) the worker aborts its running
 * chunks, gives them back (ds_worker.restart_worker_queue) and starts a new runner, with backoff.
 */
import { Logger, run, type Runner } from "graphile-worker";
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { BuilderPool } from "./builder-pool.ts";
import { BATCH_LIMITS, type BatchLimits } from "./chunk-batch.ts";
import { LivenessLock } from "./liveness-lock.ts";
import { backoffMs, OutageLog, sleep } from "./outage-log.ts";
import { makeRefreshTask, refreshCronItems } from "./refresh-task.ts";
import { LOST_CONNECTION } from "./lost-connection.ts";
import { makePackTask, packCronItem } from "./pack-task.ts";
import { makeRetentionTask, retentionCronItem } from "./retention-task.ts";
import { makeRunTask, TAKEN_BACK } from "./run-task.ts";
import { RunningChunks } from "./running-chunks.ts";

export interface WorkerOptions {
  pool: pg.Pool;
  connectionString: string;
  buildersDir: string;
  concurrency?: number;
  /** Batches of small chunks (worker/chunk-batch.ts); default BATCH_LIMITS. */
  batch?: Partial<BatchLimits>;
  /** Called with warnings, errors and the outage lines. */
  log?: (line: string) => void;
}

export interface RunningWorker {
  id: string;
  /** The current job runner (a new one after the database came back). */
  readonly runner: Runner;
  stop(): Promise<void>;
}

const HEARTBEAT_MS = 2000;


export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { pool, buildersDir } = options;
  const concurrency = options.concurrency ?? 2;
  const log = options.log ?? ((line: string) => console.error(line));
  const id = randomUUID();
  const outage = new OutageLog(`worker ${id.slice(0, 8)}`, log);
  const liveness = new LivenessLock(options.connectionString, id, outage);
  await liveness.start();
  await pool.query("select ds_worker.recover_workers()");
  const builders = new BuilderPool({ size: concurrency });
  // builder threads ready before the first job: a chunk does not wait for a cold thread
  await builders.warm();
  let recycling = false;
  const running = new RunningChunks();
  const logger = new Logger(() => (level, message) => {
    if ((level !== "error" && level !== "warning") || message.includes(TAKEN_BACK)) return;
    // graphile-worker's own lines about lost connections (LISTEN, polling) start an outage
    // (while the old runner is being replaced, its complaints about dead connections are no new outage)
    if (LOST_CONNECTION.test(message) && !recycling) outage.down(new Error(message.split("\n")[0]!.split(": ").pop()!.slice(0, 200)));
    if (!outage.active) log(`worker ${level}: ${message}`);
  });
  // graphile-worker also console.trace()s the error of a pool worker that exits (a lost
  // connection while polling): that is part of the outage we log in one line
  const trace = console.trace;
  console.trace = (...args: unknown[]) => {
    const first = args[0] as { message?: string } | undefined;
    const message = String(first?.message ?? first);
    if (LOST_CONNECTION.test(message)) {
      if (!recycling) outage.down(new Error(message));
    } else trace.apply(console, args);
  };
  const taskList = {
    ds_run_task: makeRunTask({ pool, workerId: id, buildersDir, builders, running, batch: { ...BATCH_LIMITS, ...options.batch } }),
    ds_refresh: makeRefreshTask(pool),
    ds_retention: makeRetentionTask(pool, log),
    ds_pack: makePackTask(pool, log),
  };
  const startRunner = async () =>
    run({
      pgPool: pool,
      concurrency,
      noHandleSignals: true,
      pollInterval: 1000,
      logger,
      taskList,
      parsedCronItems: [...(await refreshCronItems(pool, log)), retentionCronItem(), packCronItem()],
      // batched (0 ms) completion: when the database is gone graphile-worker stops the
      // runner (which we restart) instead of leaving an unhandled rejection that kills
      // the process (its unbatched path does not await the call)
      preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
    });

  let runner = await startRunner();
  let stopping = false;

  // tasks running under this worker that it did not report at the last beat: given back at
  // this one if it still does not run them (ds_worker.release_unknown_tasks)
  let unknown: number[] = [];
  const heartbeat = setInterval(() => {
    pool.query<{ stop: number[] | null; unknown: number[] }>(
      "select ds_worker.heartbeat_worker($1, $2) as stop, ds_worker.release_unknown_tasks($1, $2, $3) as unknown",
      [id, running.startedIds(), unknown]).then(
      async ({ rows }) => {
        const stop = rows[0]!.stop;
        unknown = rows[0]!.unknown.map(Number);
        if (stop === null) await liveness.reregister();
        else running.abort(stop, "the chunk was cancelled or taken over");
        if (liveness.connected) outage.up();
        await pool.query("select ds_worker.recover_workers()");
      },
    ).catch((err: unknown) => outage.down(err));
  }, HEARTBEAT_MS);
  // kept referenced: during an outage no socket is open, and the worker must not end

  // After an outage, or when the runner stopped on its own (graphile-worker shuts its pool
  // down when it cannot record a job's outcome), the worker starts a fresh runner: the old
  // one's jobs and chunks are in an unknown state (their connections died), so its chunks
  // are aborted and given back, its jobs unlocked, and a new runner takes the queue.
  const supervised = (async () => {
    for (;;) {
      const why = await Promise.race([
        runner.promise.then(() => "it stopped", (err: unknown) => (err as Error)?.message ?? String(err)),
        outage.ended().then(() => null),
      ]);
      if (stopping) return;
      if (why !== null) outage.down(new Error(`job runner stopped: ${why}`));
      await recycle(runner);
      // read once: a failed attempt (the database still down) must not lose the ids for the next
      const jobWorkers = running.jobWorkers();
      for (let attempt = 0; !stopping; attempt++) {
        try {
          await pool.query("select ds_worker.restart_worker_queue($1, $2)", [id, jobWorkers]);
          runner = await startRunner();
          break;
        } catch (err) {
          outage.down(err);
          await sleep(backoffMs(attempt));
        }
      }
      if (stopping) {
        await runner.stop().catch(() => {});
        return;
      }
    }
  })();

  /** Aborts the running chunks and stops the old runner (killed if it does not stop in time). */
  async function recycle(old: Runner): Promise<void> {
    recycling = true;
    try {
      await stopRunner(old);
    } finally {
      recycling = false;
    }
  }

  async function stopRunner(old: Runner): Promise<void> {
    running.abortAll("the job runner is restarting");
    for (let waited = 0; running.size > 0 && waited < 10_000; waited += 50) await sleep(50);
    const stoppedInTime = await Promise.race([old.stop().then(() => true, () => true), sleep(5000).then(() => false)]);
    if (!stoppedInTime) await old.kill().catch(() => {});
  }

  let stopped: Promise<void> | undefined;
  return {
    id,
    get runner() {
      return runner;
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        // running chunks finish (the heartbeat still stops cancelled ones meanwhile)
        await runner.stop().catch(() => {});
        await supervised;
        clearInterval(heartbeat);
        await builders.close();
        await liveness.stop();
        console.trace = trace;
      })();
      return stopped;
    },
  };
}
