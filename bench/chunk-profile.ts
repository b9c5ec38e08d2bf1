/**
 * Where the time of one chunk goes. With no worker running, a build's chunks are run one
 * at a time by this module through the functions the worker uses (startTask, the builder,
 * validateRows, copyRows, ds.clear_task_rows, ds.complete_task), with a timer around each
 * phase; the loop of worker/chunk.ts's buildChunk is taken apart into its steps (parsing
 * the points, the builder, the per-point error label, validation), and buildChunk itself
 * is timed too, to check that the parts add up. The Node-side cost of COPY's text
 * encoding is measured apart by running copyRows into a sink that discards the bytes.
 */
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import type pg from "pg";
import { BuilderPool } from "../worker/builder-pool.ts";
import { buildChunk, startTask } from "../worker/chunk.ts";
import { copyRows, type PointRows } from "../worker/copy-rows.ts";
import { loadBuilder } from "../worker/load-builder.ts";
import { expandSlots } from "../worker/dependency-entries.ts";
import { rowValidator } from "../worker/validate-rows.ts";
import { benchBuilders } from "./bench-database.ts";
import { lastPoint } from "./build-and-wait.ts";
import { findVersion, resetVersion, setChunk } from "./dataset-table.ts";
import { median, now } from "./stats.ts";

export const PHASES = [
  ["start_task", "select ds.start_task(...): marks the task running, returns its points as JSON"],
  ["points", "parsing the points (new Date per point)"],
  ["builder", "builder.build(...) once per point"],
  ["labels", "the error label built per point before validation (toISOString + concatenation)"],
  ["validate", "validateRows per point"],
  ["buildChunk", "check: worker/chunk.ts buildChunk as a whole (= points + builder + labels + validate)"],
  ["encode", "copyRows' COPY text encoding in Node (into a sink)"],
  ["clear_rows", "connect + begin + select ds.clear_task_rows(...)"],
  ["copy", "copyRows into the table (encoding again + server COPY)"],
  ["complete", "select ds.complete_task(...) + commit"],
] as const;

export type Phase = (typeof PHASES)[number][0];

export interface ChunkProfile {
  dataset: string;
  chunk: number;
  rowsPerChunk: number;
  chunksProfiled: number;
  /** Median milliseconds per chunk of each phase. */
  phaseMs: Record<Phase, number>;
  /** Sum of the phases except `encode` and `buildChunk` (repeats of others): a chunk run alone. */
  chunkMs: number;
}

function sinkClient(): pg.ClientBase {
  return { query: () => new Writable({ write: (_c, _e, cb) => cb() }) } as unknown as pg.ClientBase;
}

export async function profileChunks(pool: pg.Pool, dataset: string, rowsPerPoint: number, chunks: number, chunk?: number): Promise<ChunkProfile> {
  const v = await findVersion(pool, dataset);
  const configuredChunk = v.chunk;
  if (chunk) await setChunk(pool, v, chunk);
  await resetVersion(pool, v);
  const start = new Date("2015-01-01T00:00:00Z");
  const { rows } = await pool.query("select ds.build($1, $2, $3, $4) as id", [v.name, v.version, start, lastPoint(start, v.chunk * chunks, v.stepMs)]);
  const buildId = Number(rows[0].id);
  // no worker runs: take the jobs out of the queue and run the tasks here
  const tasks = await pool.query<{ id: number }>(
    `select t.id, graphile_worker.remove_job('ds-task-' || t.id) from ds_private.tasks t where t.build_id = $1 order by t.id`,
    [buildId],
  );
  const samples = Object.fromEntries(PHASES.map(([p]) => [p, [] as number[]])) as Record<Phase, number[]>;
  const workerId = randomUUID();
  const threads = new BuilderPool({ size: 1 });
  try {
    for (const { id } of tasks.rows) {
      let t = now();
      const lap = (phase: Phase) => {
        const t2 = now();
        samples[phase].push(t2 - t);
        t = t2;
      };
      const spec = await startTask(pool, id, workerId, "bench-profile");
      if (!spec) throw new Error(`task ${id} did not start`);
      lap("start_task");
      const builder = await loadBuilder(benchBuilders, spec.dataset, spec.version, spec.builder, spec.env_vars);
      const context = { dataset: spec.dataset, version: spec.version, env: builder.env };
      t = now();
      const times = expandSlots(spec.points, spec.step_ms).map((p) => new Date(p));
      lap("points");
      const results: unknown[] = times.map((ts) => builder.build({}, ts, context));
      lap("builder");
      const labels = times.map((ts) => `${spec.dataset} ${spec.version} at ${ts.toISOString()}`);
      lap("labels");
      const validate = rowValidator(spec.schema);
      const points: PointRows[] = times.map((ts, i) => ({ ts, rows: validate(results[i], () => labels[i]!) }));
      lap("validate");
      await buildChunk(pool, spec, threads, benchBuilders);
      lap("buildChunk");
      await copyRows(sinkClient(), spec.table, spec.schema, points, spec.key.length === 0);
      lap("encode");
      const client = await pool.connect();
      try {
        await client.query("begin");
        await client.query("select ds.clear_task_rows($1)", [spec.task]);
        lap("clear_rows");
        const written = await copyRows(client, spec.table, spec.schema, points, spec.key.length === 0);
        lap("copy");
        await client.query("select ds.complete_task($1, $2)", [spec.task, written]);
        await client.query("commit");
        lap("complete");
      } catch (err) {
        await client.query("rollback").catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    }
  } finally {
    await threads.close();
    await resetVersion(pool, v);
  }
  const profiledChunk = v.chunk;
  if (profiledChunk !== configuredChunk) await setChunk(pool, v, configuredChunk);
  const phaseMs = Object.fromEntries(PHASES.map(([p]) => [p, median(samples[p])])) as Record<Phase, number>;
  const chunkMs = PHASES.reduce((s, [p]) => (p === "encode" || p === "buildChunk" ? s : s + phaseMs[p]), 0);
  return { dataset: v.name, chunk: profiledChunk, rowsPerChunk: profiledChunk * rowsPerPoint, chunksProfiled: tasks.rowCount ?? 0, phaseMs, chunkMs };
}
