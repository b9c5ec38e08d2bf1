/**
 * `ds worker`: a graphile-worker runner for the `ds_run_task` task and the `ds_refresh`
 * cron items of scheduled datasets, plus the liveness lock that lets any worker recover at
 * once the chunks of a worker that died.
 */
import { Logger, run, type Runner } from "graphile-worker";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import pg from "pg";
import { makeRefreshTask, refreshCronItems } from "./refresh-task.ts";
import { makeRunTask } from "./run-task.ts";

export interface WorkerOptions {
  pool: pg.Pool;
  connectionString: string;
  buildersDir: string;
  concurrency?: number;
  /** Called with warnings and errors. */
  log?: (line: string) => void;
}

export interface RunningWorker {
  id: string;
  runner: Runner;
  stop(): Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { pool, buildersDir } = options;
  const log = options.log ?? ((line: string) => console.error(line));
  const id = randomUUID();
  const lockClient = new pg.Client(options.connectionString);
  lockClient.on("error", () => {});
  await lockClient.connect();
  await lockClient.query("select ds.register_worker($1, $2, $3)", [id, hostname(), process.pid]);
  await pool.query("select ds.recover_workers()");
  const logger = new Logger(() => (level, message) => {
    if (level === "error" || level === "warning") log(`worker ${level}: ${message}`);
  });
  const runner = await run({
    pgPool: pool,
    concurrency: options.concurrency ?? 2,
    noHandleSignals: true,
    pollInterval: 1000,
    logger,
    taskList: { ds_run_task: makeRunTask({ pool, workerId: id, buildersDir }), ds_refresh: makeRefreshTask(pool) },
    parsedCronItems: await refreshCronItems(pool, log),
  });
  const recovery = setInterval(() => {
    pool.query("select ds.heartbeat_worker($1), ds.recover_workers()", [id]).catch(() => {});
  }, 2000);
  recovery.unref();
  let stopped: Promise<void> | undefined;
  return {
    id,
    runner,
    stop() {
      stopped ??= (async () => {
        clearInterval(recovery);
        await runner.stop();
        await lockClient.end().catch(() => {});
      })();
      return stopped;
    },
  };
}
