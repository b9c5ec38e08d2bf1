/**
 * The graphile-worker task `ds_run_task`: marks the chunk running, builds it in a builder
 * thread, and writes it in one transaction (see chunk.ts; a SQL builder's chunk runs
 * inside PostgreSQL, see sql-chunk.ts). Builder exceptions, timeouts (DS031), crashed
 * builder threads (DS032), a worker whose builder code is not the registered code (DS067,
 * worker/code-check.ts) and other database errors (serialization failures, lost
 * connections) are retried by graphile-worker up to the dataset's max-attempts; validation
 * and data errors (DS017) and other DS errors fail at once. A chunk that is aborted
 * (cancelled, or taken back while its worker restarts its queue) writes nothing.
 */
import type { Task } from "graphile-worker";
import type pg from "pg";
import { DsError } from "../db/errors.ts";
import { BuilderFailure, ChunkAborted, type BuilderPool } from "./builder-pool.ts";
import { buildAndWriteChunk, startTask, type TaskSpec } from "./chunk.ts";
import type { RunningChunks } from "./running-chunks.ts";
import { isCodeRefusal } from "./code-check.ts";
import { runSqlChunk } from "./sql-chunk.ts";
import { runSourceChunk, type SourceSpec } from "../sources/run-source-chunk.ts";

/** The message of a chunk taken back (it runs again): expected, not worth a log line. */
export const TAKEN_BACK = "was taken back while it ran: it runs again";

export interface RunTaskOptions {
  pool: pg.Pool;
  workerId: string;
  buildersDir: string;
  builders: BuilderPool;
  running: RunningChunks;
}

export function makeRunTask({ pool, workerId, buildersDir, builders, running }: RunTaskOptions): Task {
  return async (payload, helpers) => {
    const taskId = (payload as { task: number }).task;
    const signal = running.add(taskId, helpers.job.locked_by);
    try {
      const spec = await startTask(pool, taskId, workerId, helpers.job.locked_by);
      if (!spec) return;
      running.started(taskId);
      try {
        await runChunk(pool, spec, builders, buildersDir, signal);
      } catch (err) {
        if (signal.aborted || isNotRunning(err)) {
          // nothing was written; the job goes only when the task needs no more runs (cancelled,
          // done elsewhere): a task taken back keeps it (graphile-worker's fail is a no-op then)
          if (await taskFinished(pool, taskId)) return;
          throw new ChunkAborted(`task ${taskId} ${TAKEN_BACK}`);
        }
        const retryable = err instanceof BuilderFailure || isCodeRefusal(err) || !(err instanceof DsError || /^(22|23)/.test(pgCode(err)));
        const final = !retryable || helpers.job.attempts >= helpers.job.max_attempts;
        const message = err instanceof BuilderFailure || err instanceof DsError
          ? err.message
          : `${spec.dataset} ${spec.version}: ${(err as Error).message}`;
        const code = err instanceof BuilderFailure || err instanceof DsError ? err.code : null;
        await pool.query("select ds_worker.fail_task($1, $2, $3, $4)", [taskId, message, final, code ?? null]);
        if (!final) throw err;
      }
    } finally {
      running.remove(taskId);
    }
  };
}

async function runChunk(pool: pg.Pool, spec: TaskSpec, builders: BuilderPool, buildersDir: string, signal: AbortSignal): Promise<void> {
  if (spec.source) {
    // a [source]: the rows are fetched, not built (sources/)
    await runSourceChunk(pool, spec as SourceSpec, signal);
    return;
  }
  if (spec.sql) {
    // one statement, one transaction: rows, coverage and the task's state
    await runSqlChunk(pool, spec, signal);
    return;
  }
  const client = await pool.connect();
  try {
    // the chunk's transaction: clear_task_rows, COPY as the builder streams, complete_task, commit;
    // not db/transaction.ts: "begin" travels with the first statement and "commit" with the last
    // (chunk.ts), two round trips fewer per chunk
    await buildAndWriteChunk(pool, client, spec, builders, buildersDir, { own: true, signal });
    client.release();
  } catch (err) {
    await client.query("rollback").then(() => client.release(), (e: Error) => client.release(e));
    throw err;
  }
}

async function taskFinished(pool: pg.Pool, taskId: number): Promise<boolean> {
  return (await pool.query<{ done: boolean }>("select ds_worker.task_finished($1) as done", [taskId])).rows[0]!.done;
}

function pgCode(err: unknown): string {
  return (err as { code?: string }).code ?? "";
}

/** DS045: the task was cancelled or finished elsewhere meanwhile (complete_task, run_sql_task). */
function isNotRunning(err: unknown): boolean {
  return err instanceof ChunkAborted || (err instanceof DsError && err.code === "DS045");
}
