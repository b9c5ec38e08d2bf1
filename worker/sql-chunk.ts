/**
 * Running a chunk of a SQL builder (`builder = "builder.sql"` or a `[transform]`): the
 * statement runs inside PostgreSQL through `ds_worker.run_sql_task`, which writes and validates
 * the rows, and `ds_worker.complete_task` follows in the same statement — so no row travels
 * through Node. From the worker (a pool) it runs in its own transaction under the
 * dataset's timeout as statement_timeout (DS031 past it), and an abort (ds.cancel)
 * cancels the statement; in a dry run, on the dry run's client and transaction.
 */
import pg from "pg";
import { toDsError } from "../db/errors.ts";
import { withTransaction } from "../db/transaction.ts";
import { BuilderFailure } from "./builder-pool.ts";
import type { TaskSpec } from "./chunk.ts";

const RUN = "with run as (select ds_worker.run_sql_task($1) as written) select written, ds_worker.complete_task($1, written) from run";

/** Runs and completes the task; returns the rows written. DS errors come back as DsError. */
export async function runSqlChunk(db: pg.ClientBase | pg.Pool, spec: TaskSpec, signal?: AbortSignal): Promise<number> {
  if (!(db instanceof pg.Pool)) return run(db, spec);
  try {
    return await withTransaction(db, async (client) => {
      // node-postgres keeps the backend pid of a connection (not in its typings)
      const pid = (client as unknown as { processID: number }).processID;
      const cancel = () => void db.query("select pg_cancel_backend($1)", [pid]).catch(() => {});
      signal?.addEventListener("abort", cancel, { once: true });
      try {
        await client.query("select set_config('statement_timeout', $1, true)", [`${Math.ceil(spec.timeout_ms)}ms`]);
        return await run(client, spec);
      } finally {
        signal?.removeEventListener("abort", cancel);
      }
    });
  } catch (err) {
    if ((err as { code?: string }).code === "57014" && !signal?.aborted) {
      throw new BuilderFailure(`${spec.dataset} ${spec.version}: the SQL builder did not finish the chunk within its timeout of ${spec.timeout_ms / 1000}s`, "DS031");
    }
    throw err;
  }
}

async function run(client: pg.ClientBase | pg.Pool, spec: TaskSpec): Promise<number> {
  try {
    const { rows } = await client.query<{ written: string }>(RUN, [spec.task]);
    return Number(rows[0]!.written);
  } catch (err) {
    throw toDsError(err);
  }
}
