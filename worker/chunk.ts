/**
 * Running one chunk (task) of a dataset version: dependency rows fetched once per
 * dependency for the whole chunk and its lookback, the builder per point with validation
 * in a builder thread (builder-pool.ts), then stale rows cleared, the new ones copied in
 * and the task completed — on the client given, inside the caller's transaction (a job's
 * own, or a dry run's that is rolled back).
 */
import type pg from "pg";
import { DsError } from "../db/errors.ts";
import type { BuilderPool, EncodedChunk } from "./builder-pool.ts";
import { copyBlocks } from "./copy-rows.ts";
import { loadDependency, type DependencySpec } from "./dependency-entries.ts";
import type { Field } from "./field-types.ts";

export interface TaskSpec {
  task: number;
  attempt: number;
  dataset: string;
  version: string;
  table: string;
  builder: string;
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
  /** True for a SQL builder (builder.sql or a transform): run with worker/sql-chunk.ts. */
  sql: boolean;
  /** Empty for a SQL builder (it reads its dependencies itself). */
  dependencies: DependencySpec[];
}

type Queryable = pg.Pool | pg.ClientBase;

/** Marks the task running; null when there is nothing to run (cancelled, done). */
export async function startTask(db: Queryable, taskId: number, workerId: string | null, jobWorker: string | null): Promise<TaskSpec | null> {
  const { rows } = await db.query("select ds.start_task($1, $2, $3) as spec", [taskId, workerId, jobWorker]);
  return (rows[0]?.spec as TaskSpec | null) ?? null;
}

/**
 * Runs the builder over every point of the chunk in a builder thread (its deadline is the
 * dataset's timeout); reads the dependencies through `db`, in the caller's snapshot.
 */
export async function buildChunk(db: Queryable, spec: TaskSpec, builders: BuilderPool, buildersDir: string, signal?: AbortSignal): Promise<EncodedChunk> {
  const dependencies = await Promise.all(spec.dependencies.map((d) => loadDependency(db, d)));
  return builders.run({
    buildersDir, dataset: spec.dataset, version: spec.version, builder: spec.builder, env_vars: spec.env_vars,
    schema: spec.schema, key: spec.key, keys: spec.keys, step_ms: spec.step_ms, points: spec.points, dependencies,
  }, { timeoutMs: spec.timeout_ms, signal });
}

/** Clears stale rows, COPYs the chunk's rows and completes the task, on `client` (no commit). */
export async function writeChunk(client: pg.ClientBase, spec: TaskSpec, chunk: EncodedChunk): Promise<number> {
  await client.query("select ds.clear_task_rows($1)", [spec.task]);
  const written = chunk.rows;
  try {
    await copyBlocks(client, spec.table, spec.schema, chunk.blocks, spec.key.length === 0);
  } catch (err) {
    const e = err as { code?: string; message: string; detail?: string };
    if (e.code?.startsWith("23") || e.code?.startsWith("22")) {
      throw new DsError("DS017", `${spec.dataset} ${spec.version}: rows rejected by the table: ${e.message}`, {
        detail: e.detail ?? e.code,
        hint: e.code === "23505" ? "Two rows share a timestamp and key: declare key = [...] in config.toml or return one row." : undefined,
      });
    }
    throw err;
  }
  try {
    await client.query("select ds.complete_task($1, $2)", [spec.task, written]);
  } catch (err) {
    const e = err as { code?: string; message: string; detail?: string; hint?: string };
    if (e.code?.startsWith("DS")) throw new DsError(e.code, e.message, { detail: e.detail, hint: e.hint });
    throw err;
  }
  return written;
}
