/**
 * The graphile-worker task `ds_run_task`: marks the chunk running, builds it, and writes
 * it in one transaction (see chunk.ts; a SQL builder's chunk runs inside PostgreSQL, see
 * sql-chunk.ts). Builder exceptions and other database errors (serialization failures,
 * lost connections) are retried by graphile-worker up to the dataset's max-attempts;
 * validation and data errors (DS017) and other DS errors fail at once.
 */
import type { Task } from "graphile-worker";
import type pg from "pg";
import { DsError } from "../db/errors.ts";
import { BuilderFailure, buildChunk, startTask, writeChunk } from "./chunk.ts";
import { runSqlChunk } from "./sql-chunk.ts";

export interface RunTaskOptions {
  pool: pg.Pool;
  workerId: string;
  buildersDir: string;
}

export function makeRunTask({ pool, workerId, buildersDir }: RunTaskOptions): Task {
  return async (payload, helpers) => {
    const taskId = (payload as { task: number }).task;
    const spec = await startTask(pool, taskId, workerId, helpers.job.locked_by);
    if (!spec) return;
    try {
      if (spec.sql) {
        // one statement, one transaction: rows, coverage and the task's state
        await runSqlChunk(pool, spec);
        return;
      }
      const points = await buildChunk(pool, spec, buildersDir);
      const client = await pool.connect();
      try {
        await client.query("begin");
        await writeChunk(client, spec, points);
        await client.query("commit");
      } catch (err) {
        await client.query("rollback").catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    } catch (err) {
      if (err instanceof DsError && err.code === "DS018" && /not running/.test(err.message)) return;
      const pgCode = (err as { code?: string }).code;
      const retryable = err instanceof BuilderFailure || !(err instanceof DsError || /^(22|23)/.test(pgCode ?? ""));
      const final = !retryable || helpers.job.attempts >= helpers.job.max_attempts;
      const message = err instanceof BuilderFailure || err instanceof DsError
        ? err.message
        : `${spec.dataset} ${spec.version}: ${(err as Error).message}`;
      await pool.query("select ds.fail_task($1, $2, $3)", [taskId, message, final]);
      if (!final) throw err;
    }
  };
}
