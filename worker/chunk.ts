/**
 * Running one chunk (task) of a dataset version: dependency rows fetched once per
 * dependency for the whole chunk and its lookback, the builder per point, validation, then
 * stale rows cleared, the new ones copied in and the task completed — on the client given,
 * inside the caller's transaction (a job's own, or a dry run's that is rolled back).
 */
import type pg from "pg";
import { DsError } from "../db/errors.ts";
import { copyRows, type PointRows } from "./copy-rows.ts";
import { expandSlots, loadDependency, windowFor, type DependencySpec, type Entry } from "./dependency-entries.ts";
import type { Field } from "./field-types.ts";
import { keyFilter } from "./key-filter.ts";
import { loadBuilder } from "./load-builder.ts";
import { rowValidator } from "./validate-rows.ts";

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
  /** Slot ranges [lower, upper) in epoch ms; the points are lower, lower + step, ... */
  points: [number, number][];
  /** Null: every key. Else the key objects ({"ticker": "AAPL"}) whose rows the task rebuilds (stale points). */
  keys: Record<string, unknown>[] | null;
  /** True for a SQL builder (builder.sql or a transform): run with worker/sql-chunk.ts. */
  sql: boolean;
  /** Empty for a SQL builder (it reads its dependencies itself). */
  dependencies: DependencySpec[];
}

/** An exception thrown by a builder: retried with backoff up to max-attempts. */
export class BuilderFailure extends Error {}

type Queryable = pg.Pool | pg.ClientBase;

/** Marks the task running; null when there is nothing to run (cancelled, done). */
export async function startTask(db: Queryable, taskId: number, workerId: string | null, jobWorker: string | null): Promise<TaskSpec | null> {
  const { rows } = await db.query("select ds.start_task($1, $2, $3) as spec", [taskId, workerId, jobWorker]);
  return (rows[0]?.spec as TaskSpec | null) ?? null;
}

/** Runs the builder over every point of the chunk; reads dependencies through `db`. */
export async function buildChunk(db: Queryable, spec: TaskSpec, buildersDir: string): Promise<PointRows[]> {
  const builder = await loadBuilder(buildersDir, spec.dataset, spec.version, spec.builder, spec.env_vars);
  const deps = await Promise.all(spec.dependencies.map((d) => loadDependency(db, d)));
  const context = { dataset: spec.dataset, version: spec.version, env: builder.env };
  const out: PointRows[] = [];
  const validate = rowValidator(spec.schema);
  // the label of a point is only built when something about it fails
  const where = (ts: Date) => `${spec.dataset} ${spec.version} at ${ts.toISOString()}`;
  // a task of some keys writes only their rows
  const keep = spec.keys ? keyFilter(spec.schema, spec.key, spec.keys) : null;
  for (const t of expandSlots(spec.points, spec.step_ms)) {
    const ts = new Date(t);
    const args: Record<string, Entry[]> = {};
    for (const d of deps) args[d.spec.name] = windowFor(d, t, spec.step_ms);
    let result: unknown;
    try {
      result = builder.build(args, ts, context);
      if (result && typeof (result as Promise<unknown>).then === "function") result = await result;
    } catch (err) {
      throw new BuilderFailure(`${where(ts)}: builder failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
    const rows = validate(result, () => where(ts));
    out.push({ ts, rows: keep ? rows.filter(keep) : rows });
  }
  return out;
}

/** Clears stale rows, COPYs the chunk's rows and completes the task, on `client` (no commit). */
export async function writeChunk(client: pg.ClientBase, spec: TaskSpec, points: PointRows[]): Promise<number> {
  await client.query("select ds.clear_task_rows($1)", [spec.task]);
  let written: number;
  try {
    written = await copyRows(client, spec.table, spec.schema, points);
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
