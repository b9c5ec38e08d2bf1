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
import { ChunkAborted, type BuilderPool } from "./builder-pool.ts";
import { buildAndWriteChunk, startTask, type TaskSpec } from "./chunk.ts";
import { batchable, runChunkBatch, type BatchContext, type BatchLimits } from "./chunk-batch.ts";
import type { RunningChunks } from "./running-chunks.ts";
import { chunkFailure } from "./chunk-failure.ts";
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
  batch: BatchLimits;
}

export function makeRunTask({ pool, workerId, buildersDir, builders, running, batch }: RunTaskOptions): Task {
  return async (payload, helpers) => {
    const taskId = (payload as { task: number }).task;
    const signal = running.add(taskId, helpers.job.locked_by);
    try {
      const spec = await startTask(pool, taskId, workerId, helpers.job.locked_by);
      if (!spec) return;
      running.started(taskId);
      try {
        await runChunk({ pool, builders, buildersDir, workerId, jobWorker: helpers.job.locked_by, running, limits: batch }, spec, signal);
      } catch (err) {
        if (signal.aborted || isNotRunning(err)) {
          // nothing was written; the job goes only when the task needs no more runs (cancelled,
          // done elsewhere): a task taken back keeps it (graphile-worker's fail is a no-op then)
          if (await taskFinished(pool, taskId)) return;
          throw new ChunkAborted(`task ${taskId} ${TAKEN_BACK}`);
        }
        const { message, code, retryable } = chunkFailure(spec, err);
        const final = !retryable || helpers.job.attempts >= helpers.job.max_attempts;
        await pool.query("select ds_worker.fail_task($1, $2, $3, $4)", [taskId, message, final, code]);
        if (!final) throw err;
      }
    } finally {
      running.remove(taskId);
    }
  };
}

async function runChunk(ctx: BatchContext, spec: TaskSpec, signal: AbortSignal): Promise<void> {
  if (spec.source) {
    // a [source]: the rows are fetched, not built (sources/)
    await runSourceChunk(ctx.pool, spec as SourceSpec, signal);
    return;
  }
  if (spec.sql) {
    // one statement, one transaction: rows, coverage and the task's state
    await runSqlChunk(ctx.pool, spec, signal);
    return;
  }
  if (batchable(spec)) {
    // the chunk's transaction, with more chunks of its version when it was cheap (chunk-batch.ts)
    await runChunkBatch(ctx, spec, signal);
    return;
  }
  const client = await ctx.pool.connect();
  try {
    // the chunk's transaction: clear_task_rows, COPY as the builder streams, complete_task, commit;
    // not db/transaction.ts: "begin" travels with the first statement and "commit" with the last
    // (chunk.ts), two round trips fewer per chunk
    await buildAndWriteChunk(ctx.pool, client, spec, ctx.builders, ctx.buildersDir, { own: true, signal });
    client.release();
  } catch (err) {
    await client.query("rollback").then(() => client.release(), (e: Error) => client.release(e));
    throw err;
  }
}

async function taskFinished(pool: pg.Pool, taskId: number): Promise<boolean> {
  return (await pool.query<{ done: boolean }>("select ds_worker.task_finished($1) as done", [taskId])).rows[0]!.done;
}

/** DS045: the task was cancelled or finished elsewhere meanwhile (complete_task, run_sql_task). */
function isNotRunning(err: unknown): boolean {
  return err instanceof ChunkAborted || (err instanceof DsError && err.code === "DS045");
}
