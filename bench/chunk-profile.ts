/**
 * Where the time of one chunk goes. With no worker running, a build's chunks are run one
 * at a time here through the worker's own pieces, with a timer around each phase:
 * ds_worker.start_task; the builder thread (builder, validation and COPY text encoding, off the
 * event loop) with its blocks kept in memory; begin + ds_worker.clear_task_rows; the server's
 * COPY of those blocks; ds_worker.complete_task + commit. The worker itself overlaps the thread
 * and COPY (it streams); here they are apart so that each can be seen. `chunk` (the
 * worker's buildAndWriteChunk as a whole, streaming, on another table state) checks that
 * the parts add up.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { BuilderPool } from "../worker/builder-pool.ts";
import { buildAndWriteChunk, startTask } from "../worker/chunk.ts";
import { copyStatement, CopyWriter } from "../worker/copy-rows.ts";
import { benchBuilders } from "./bench-database.ts";
import { lastPoint } from "./build-and-wait.ts";
import { findVersion, resetVersion, setChunk } from "./dataset-table.ts";
import { median, now } from "./stats.ts";

export const PHASES = [
  ["start_task", "select ds_worker.start_task(...): marks the task running, returns its points"],
  ["thread", "builder + validation + COPY encoding (binary for this schema) in a builder thread, blocks kept"],
  ["clear_rows", "begin; select ds_worker.clear_task_rows(...)"],
  ["copy", "the server's COPY of the encoded blocks"],
  ["complete", "select ds_worker.complete_task(...); commit (durable: waits for the WAL flush)"],
  ["streamed", "check: the same chunk again as the worker runs it (thread and COPY overlapped)"],
] as const;

export type Phase = (typeof PHASES)[number][0];

export interface ChunkProfile {
  dataset: string;
  chunk: number;
  rowsPerChunk: number;
  chunksProfiled: number;
  /** Median milliseconds per chunk of each phase. */
  phaseMs: Record<Phase, number>;
  /** Sum of the phases but the check: a chunk run alone, phases one after the other. */
  chunkMs: number;
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
      const blocks: Uint8Array[] = [];
      const request = {
        buildersDir: benchBuilders, dataset: spec.dataset, version: spec.version, builder: spec.builder, code_hash: spec.code_hash, env_vars: spec.env_vars,
        schema: spec.schema, key: spec.key, keys: spec.keys, step_ms: spec.step_ms, points: spec.points, dependencies: [],
      };
      const written = await threads.run(request, { timeoutMs: spec.timeout_ms }, async (b) => void blocks.push(b));
      lap("thread");
      const client = await pool.connect();
      try {
        await client.query(`begin; select ds_worker.clear_task_rows(${spec.task})`);
        lap("clear_rows");
        if (blocks.length) {
          const copy = new CopyWriter(client, copyStatement(spec.table, spec.schema, spec.key.length === 0));
          for (const b of blocks) await copy.write(b);
          await copy.end();
        }
        lap("copy");
        await client.query(`select ds_worker.complete_task(${spec.task}, ${written}); commit`);
        lap("complete");
      } catch (err) {
        await client.query("rollback").catch(() => {});
        throw err;
      } finally {
        client.release();
      }
      // the check: the worker's own streaming path over the same points (rows replaced)
      await pool.query("update ds_private.tasks set state = 'queued' where id = $1", [id]);
      const again = await startTask(pool, id, workerId, "bench-profile");
      if (!again) throw new Error(`task ${id} could not run again`);
      t = now();
      const c2 = await pool.connect();
      try {
        await buildAndWriteChunk(pool, c2, again, threads, benchBuilders, { own: true });
      } catch (err) {
        await c2.query("rollback").catch(() => {});
        throw err;
      } finally {
        c2.release();
      }
      lap("streamed");
    }
  } finally {
    await threads.close();
    await resetVersion(pool, v);
  }
  const profiledChunk = v.chunk;
  if (profiledChunk !== configuredChunk) await setChunk(pool, v, configuredChunk);
  const phaseMs = Object.fromEntries(PHASES.map(([p]) => [p, median(samples[p])])) as Record<Phase, number>;
  const chunkMs = PHASES.reduce((s, [p]) => (p === "streamed" ? s : s + phaseMs[p]), 0);
  return { dataset: v.name, chunk: profiledChunk, rowsPerChunk: profiledChunk * rowsPerPoint, chunksProfiled: tasks.rowCount ?? 0, phaseMs, chunkMs };
}
