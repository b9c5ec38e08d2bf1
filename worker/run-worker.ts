/**
 * `ds worker`: a graphile-worker runner for the `ds_run_task` task and the `ds_refresh`
 * cron items of scheduled datasets, builders in threads (builder-pool.ts), the liveness
 * lock that lets any worker recover at once the chunks of a worker that died, and a
 * heartbeat that stops chunks cancelled meanwhile.
 *
 * The worker rides out database restarts and dropped connections: the liveness lock
 * reconnects under the same id, and when the job runner gives up (graphile-worker shuts
 * its pool down when it cannot record a job's outcome) the worker aborts its running
 * chunks, gives them back (ds.restart_worker_queue) and starts a new runner, with backoff.
 */
import { Logger, run, type Runner } from "graphile-worker";
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { BuilderPool } from "./builder-pool.ts";
import { LivenessLock } from "./liveness-lock.ts";
import { backoffMs, OutageLog, sleep } from "./outage-log.ts";
import { makeRefreshTask, refreshCronItems } from "./refresh-task.ts";
import { makeRunTask } from "./run-task.ts";
import { RunningChunks } from "./running-chunks.ts";

export interface WorkerOptions {
  pool: pg.Pool;
  connectionString: string;
  buildersDir: string;
  concurrency?: number;
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
  await pool.query("select ds.recover_workers()");
  const builders = new BuilderPool({ size: concurrency });
  const running = new RunningChunks();
  const logger = new Logger(() => (level, message) => {
    if ((level === "error" || level === "warning") && !outage.active) log(`worker ${level}: ${message}`);
  });
  const taskList = {
    ds_run_task: makeRunTask({ pool, workerId: id, buildersDir, builders, running }),
    ds_refresh: makeRefreshTask(pool),
  };
  const startRunner = async () =>
    run({
      pgPool: pool,
      concurrency,
      noHandleSignals: true,
      pollInterval: 1000,
      logger,
      taskList,
      parsedCronItems: await refreshCronItems(pool, log),
    });

  let runner = await startRunner();
  let stopping = false;

  const heartbeat = setInterval(() => {
    pool.query<{ stop: number[] }>("select ds.heartbeat_worker($1, $2) as stop", [id, running.ids()]).then(
      ({ rows }) => {
        running.abort(rows[0]!.stop, "the chunk was cancelled or taken over");
        if (liveness.connected) outage.up();
        return pool.query("select ds.recover_workers()");
      },
    ).catch((err: unknown) => outage.down(err));
  }, HEARTBEAT_MS);
  heartbeat.unref();

  // a runner that stopped on its own (its database went away) is replaced
  const supervised = (async () => {
    for (;;) {
      const why = await runner.promise.then(() => "it stopped", (err: unknown) => (err as Error)?.message ?? String(err));
      if (stopping) return;
      outage.down(new Error(`job runner stopped: ${why}`));
      running.abortAll("the job runner is restarting");
      while (running.size > 0 && !stopping) await sleep(50);
      for (let attempt = 0; !stopping; attempt++) {
        try {
          await pool.query("select ds.restart_worker_queue($1)", [id]);
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

  let stopped: Promise<void> | undefined;
  return {
    id,
    get runner() {
      return runner;
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        clearInterval(heartbeat);
        await runner.stop().catch(() => {});
        await supervised;
        await builders.close();
        await liveness.stop();
      })();
      return stopped;
    },
  };
}
