/**
 * The graphile-worker task `ds_run_task`: one chunk of one dataset version. Dependency
 * rows are fetched once per dependency for the whole chunk, the builder runs per point,
 * rows are validated, then — in one transaction — stale rows are cleared, the new ones
 * copied in, and the task completed (coverage, state, release of dependents).
 */
import type { Task } from "graphile-worker";
import type pg from "pg";
import { DsError } from "../db/errors.ts";
import { copyRows, type PointRows } from "./copy-rows.ts";
import { loadDependency, windowFor, type DependencySpec, type Entry } from "./dependency-entries.ts";
import type { Field } from "./field-types.ts";
import { loadBuilder } from "./load-builder.ts";
import { validateRows } from "./validate-rows.ts";

interface TaskSpec {
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
  points: string[];
  dependencies: DependencySpec[];
}

export interface RunTaskOptions {
  pool: pg.Pool;
  workerId: string;
  buildersDir: string;
}

/** An exception thrown by a builder: retried with backoff up to max-attempts. */
class BuilderFailure extends Error {}

export function makeRunTask({ pool, workerId, buildersDir }: RunTaskOptions): Task {
  return async (payload, helpers) => {
    const taskId = (payload as { task: number }).task;
    const { rows } = await pool.query("select ds.start_task($1, $2, $3) as spec", [taskId, workerId, helpers.job.locked_by]);
    const spec = rows[0]?.spec as TaskSpec | null;
    if (!spec) return;
    try {
      const points = await buildChunk(pool, spec, buildersDir);
      await writeChunk(pool, spec, points);
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

async function buildChunk(pool: pg.Pool, spec: TaskSpec, buildersDir: string): Promise<PointRows[]> {
  const builder = await loadBuilder(buildersDir, spec.dataset, spec.version, spec.builder, spec.env_vars);
  const deps = await Promise.all(spec.dependencies.map((d) => loadDependency(pool, d)));
  const context = { dataset: spec.dataset, version: spec.version, env: builder.env };
  const out: PointRows[] = [];
  for (const p of spec.points) {
    const ts = new Date(p);
    const where = `${spec.dataset} ${spec.version} at ${ts.toISOString()}`;
    const args: Record<string, Entry[]> = {};
    for (const d of deps) args[d.spec.name] = windowFor(d, ts.getTime(), spec.step_ms);
    let result: unknown;
    try {
      result = builder.build(args, ts, context);
      if (result && typeof (result as Promise<unknown>).then === "function") result = await result;
    } catch (err) {
      throw new BuilderFailure(`${where}: builder failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
    out.push({ ts, rows: validateRows(result, spec.schema, where) });
  }
  return out;
}

async function writeChunk(pool: pg.Pool, spec: TaskSpec, points: PointRows[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("begin");
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
    await client.query("select ds.complete_task($1, $2)", [spec.task, written]);
    await client.query("commit");
  } catch (err) {
    await client.query("rollback").catch(() => {});
    const e = err as { code?: string; message: string; detail?: string; hint?: string };
    if (e.code?.startsWith("DS") && !(err instanceof DsError)) throw new DsError(e.code, e.message, { detail: e.detail, hint: e.hint });
    throw err;
  } finally {
    client.release();
  }
}
