/**
 * Running a chunk of a SQL builder (`builder = "builder.sql"` or a `[transform]`): the
 * statement runs inside PostgreSQL through `ds.run_sql_task`, which writes and validates
 * the rows, and `ds.complete_task` follows in the same statement — so a chunk is one round
 * trip and no row travels through Node. On the client given, inside the caller's
 * transaction when there is one (a dry run's), else as one autocommitted statement.
 */
import type pg from "pg";
import { toDsError } from "../db/errors.ts";
import type { TaskSpec } from "./chunk.ts";

/** Runs and completes the task; returns the rows written. DS errors come back as DsError. */
export async function runSqlChunk(client: pg.ClientBase | pg.Pool, spec: TaskSpec): Promise<number> {
  try {
    const { rows } = await client.query<{ written: string }>(
      "with run as (select ds.run_sql_task($1) as written) select written, ds.complete_task($1, written) from run",
      [spec.task],
    );
    return Number(rows[0]!.written);
  } catch (err) {
    throw toDsError(err);
  }
}
