/**
 * Running one chunk (task) of a dataset version: dependency rows fetched once per
 * dependency for the whole chunk and its lookback, the builder per point with validation
 * in a builder thread (builder-pool.ts), its rows streamed into COPY as they come after
 * the stale ones were cleared, and the task completed — in one transaction on the client
 * given (the chunk's own, or a dry run's that is rolled back).
 */
import type pg from "pg";
import { DsError, toDsError } from "../db/errors.ts";
import type { BuilderPool } from "./builder-pool.ts";
import { copyStatement, CopyWriter } from "./copy-rows.ts";
import { loadDependency, type DependencySpec } from "./dependency-entries.ts";
import type { Field } from "./field-types.ts";

export interface TaskSpec {
  task: number;
  attempt: number;
  dataset: string;
  version: string;
  table: string;
  builder: string;
  /** The registered code hash the chunk must be computed with (worker/code-check.ts); null: not checked. */
  code_hash: string | null;
  step_ms: number;
  schema: Field[];
  key: string[];
  env_vars: boolean;
  max_attempts: number;
  /** Deadline of the builder over this chunk (config.toml timeout). */
  timeout_ms: number;
  /** Slot ranges [lower, upper) in epoch ms; the points are lower, lower + step, ... */
  points: [number, number][];
  /** Null: every key. Else the key objects ({"ticker": "AAPL"}) whose rows the task rebuilds (stale points). */
  keys: Record<string, unknown>[] | null;
  /** The [source] table of a source dataset (its rows are fetched: sources/run-source-chunk.ts), else null. */
  source: Record<string, unknown> | null;
  /** True for a SQL builder (builder.sql or a transform): run with worker/sql-chunk.ts. */
  sql: boolean;
  /** Empty for a SQL builder (it reads its dependencies itself). */
  dependencies: DependencySpec[];
}

type Queryable = pg.Pool | pg.ClientBase;

/** Marks the task running; null when there is nothing to run (cancelled, done). */
export async function startTask(db: Queryable, taskId: number, workerId: string | null, jobWorker: string | null): Promise<TaskSpec | null> {
  const { rows } = await db.query("select ds_worker.start_task($1, $2, $3) as spec", [taskId, workerId, jobWorker]);
  return (rows[0]?.spec as TaskSpec | null) ?? null;
}

export interface ChunkWriteOptions {
  /** True: the chunk opens and commits its own transaction on `client` (the worker); false: it runs in the caller's (a dry run). */
  own: boolean;
  signal?: AbortSignal;
}

/**
 * Runs the builder over every point of the chunk in a builder thread (its deadline is the
 * dataset's timeout) and streams its rows into the table on `client` as they come: at the
 * first block, stale rows are cleared and a COPY opened; at the end the COPY closes and the
 * task completes — the same transaction. An empty chunk costs one statement. Dependencies
 * are read through `db`, in the caller's snapshot. Any failure (builder error, timeout,
 * abort, rows rejected) leaves the transaction to be rolled back: nothing half-written
 * commits. Returns the rows written.
 */
export async function buildAndWriteChunk(db: Queryable, client: pg.ClientBase, spec: TaskSpec, builders: BuilderPool, buildersDir: string,
  { own, signal }: ChunkWriteOptions): Promise<number> {
  const written = await writeChunkRows(db, client, spec, builders, buildersDir, { prefix: own ? "begin; " : "", signal });
  const finish = own ? completeStatement([written], written.cleared ? "" : "begin; ") : `${written.cleared ? "" : clearStatement(written.task)} select ds_worker.complete_task(${written.task}, ${written.rows});`;
  await client.query(finish).catch((err: unknown) => Promise.reject(toDsError(err)));
  return written.rows;
}

/** A chunk whose rows are in the open transaction, not yet completed. */
export interface WrittenChunk {
  task: number;
  rows: number;
  /** Its stale rows were cleared (it wrote rows); else its clear goes with the completion. */
  cleared: boolean;
}

export interface ChunkRowsOptions {
  /** Statements sent before the chunk's first one, if it sends any ("begin; ", a savepoint). */
  prefix: string;
  signal?: AbortSignal;
  /** Set to true once the chunk sent its first statement (with the prefix). */
  sent?: { value: boolean };
}

/**
 * The rows of one chunk into its table, in the transaction on `client`: builder thread,
 * and at its first block the clear of stale rows and an open COPY; the task is not
 * completed (completeStatement). An empty chunk sends nothing.
 */
export async function writeChunkRows(db: Queryable, client: pg.ClientBase, spec: TaskSpec, builders: BuilderPool, buildersDir: string,
  { prefix, signal, sent }: ChunkRowsOptions): Promise<WrittenChunk> {
  const dependencies = await Promise.all(spec.dependencies.map((d) => loadDependency(db, d)));
  // task ids and counts are integers: inlined, several statements go in one round trip
  const task = Math.trunc(Number(spec.task));
  let copy: CopyWriter | null = null;
  try {
    const rows = await builders.run({
      buildersDir, dataset: spec.dataset, version: spec.version, builder: spec.builder, code_hash: spec.code_hash, env_vars: spec.env_vars,
      schema: spec.schema, key: spec.key, keys: spec.keys, step_ms: spec.step_ms, points: spec.points, dependencies,
    }, { timeoutMs: spec.timeout_ms, signal }, async (data) => {
      if (!copy) {
        if (sent) sent.value = true;
        await client.query(prefix + clearStatement(task));
        copy = new CopyWriter(client, copyStatement(spec.table, spec.schema, spec.key.length === 0));
      }
      await copy.write(data).catch((err: unknown) => Promise.reject(rejectedRows(spec, err)));
    });
    signal?.throwIfAborted();
    if (copy) await (copy as CopyWriter).end().catch((err: unknown) => Promise.reject(rejectedRows(spec, err)));
    signal?.throwIfAborted();
    return { task, rows, cleared: copy !== null };
  } catch (err) {
    (copy as CopyWriter | null)?.abort(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
}

function clearStatement(task: number): string {
  return `select ds_worker.clear_task_rows(${task});`;
}

/**
 * One round trip that ends the chunks' transaction: the clears of chunks that wrote no
 * rows, their completion, the commit — then their notifications in a transaction of their
 * own (ds_worker.notify_completed: PostgreSQL serialises notifying commits, so the
 * durable commit carries none) and the statistics of the partitions they finished
 * (ds_worker.analyze_completed, when they wrote rows: outside the dataset lock, while
 * other slots build).
 * `prefix`: "begin; " when the transaction is not open yet.
 */
export function completeStatement(chunks: WrittenChunk[], prefix: string): string {
  const ids = `array[${chunks.map((c) => c.task).join(",")}]::bigint[]`;
  const rows = `array[${chunks.map((c) => Math.trunc(c.rows)).join(",")}]::bigint[]`;
  const clears = chunks.filter((c) => !c.cleared).map((c) => clearStatement(c.task)).join(" ");
  // chunks that wrote nothing leave no partition to analyze
  const analyze = chunks.some((c) => c.rows > 0) ? ` select ds_worker.analyze_completed(${ids});` : "";
  return `${prefix}${clears} select ds_worker.complete_tasks(${ids}, ${rows}); commit; select ds_worker.notify_completed(${ids}, ${rows});${analyze}`;
}

/** A COPY failure of the data classes (22, 23) is the rows' fault: DS017, with a hint for duplicates. */
function rejectedRows(spec: TaskSpec, err: unknown): unknown {
  const e = err as { code?: string; message: string; detail?: string };
  if (e.code?.startsWith("23") || e.code?.startsWith("22")) {
    return new DsError("DS017", `${spec.dataset} ${spec.version}: rows rejected by the table: ${e.message}`, {
      detail: e.detail ?? e.code,
      hint: e.code === "23505" ? "Two rows share a timestamp and key: declare key = [...] in config.toml or return one row." : undefined,
    });
  }
  return err;
}
