/**
 * Batches of small chunks. A chunk of a TypeScript builder that turned out cheap (at
 * most 1,000 rows, or written in under 20 ms) does not commit alone: the worker claims more
 * queued tasks of the same dataset version (ds_worker.claim_tasks, which starts them and
 * locks their graphile-worker jobs) and writes them in the same transaction, until the
 * batch has run for 100 ms or holds 100 chunks (BATCH_LIMITS); then one statement
 * completes them all and commits (ds_worker.complete_tasks). A batch of empty one-point
 * chunks thus costs one durable commit and one job fetch instead of one each.
 *
 * Each chunk keeps its own outcome: a claimed chunk that writes rows does so behind a
 * savepoint, and when its builder fails or the table rejects its rows, it is rolled back
 * to it and its failure recorded as if it had run in its own job (the attempt, the
 * backoff, the final failure: ds_worker.fail_claimed_task) while the others commit. Any
 * other failure (the connection, an abort, a task cancelled meanwhile) rolls the whole
 * batch back: its claimed tasks are given back unrun (ds_worker.release_tasks) and its
 * first chunk runs again alone. A worker that dies mid-batch leaves its claimed tasks
 * running under its id, recovered like any of its chunks; the batch is one transaction,
 * so nothing of it is half-written.
 */
import type pg from "pg";
import { DsError, toDsError } from "../db/errors.ts";
import { BuilderFailure, type BuilderPool } from "./builder-pool.ts";
import { chunkFailure } from "./chunk-failure.ts";
import { isLostConnection } from "./lost-connection.ts";
import { buildAndWriteChunk, completeStatement, writeChunkRows, type TaskSpec, type WrittenChunk } from "./chunk.ts";
import type { RunningChunks } from "./running-chunks.ts";

export interface BatchLimits {
  /** A first chunk that wrote more rows than this and took longer than firstChunkMs commits alone (its commit is small next to its work). */
  smallChunkRows: number;
  firstChunkMs: number;
  /** A batch claims no more chunks once it has run this long. */
  budgetMs: number;
  /** Chunks per batch at most (1: no batches). */
  maxChunks: number;
}

export const BATCH_LIMITS: BatchLimits = { smallChunkRows: 1000, firstChunkMs: 20, budgetMs: 100, maxChunks: 100 };

export interface BatchContext {
  pool: pg.Pool;
  builders: BuilderPool;
  buildersDir: string;
  workerId: string;
  /** graphile-worker's worker id of the job (the claimed jobs are locked by it). */
  jobWorker: string | null;
  running: RunningChunks;
  limits: BatchLimits;
}

/** Whether a started task may lead a batch (every key, a TypeScript builder): ds_worker.claim_tasks checks it again. */
export function batchable(spec: TaskSpec): boolean {
  return !spec.sql && !spec.source && spec.keys === null;
}

/**
 * Runs `spec` (started) and, when it was cheap, a batch of its version's next queued
 * chunks in one transaction; returns the rows written by the first chunk. Errors of the
 * first chunk are its own (the caller records them, as for a chunk run alone).
 */
export async function runChunkBatch(ctx: BatchContext, spec: TaskSpec, signal: AbortSignal): Promise<number> {
  const { pool, builders, buildersDir } = ctx;
  const { smallChunkRows, firstChunkMs, budgetMs, maxChunks } = ctx.limits;
  const client = await pool.connect();
  const claimed: TaskSpec[] = [];
  let first: WrittenChunk | null = null;
  try {
    const t0 = performance.now();
    first = await writeChunkRows(pool, client, spec, builders, buildersDir, { prefix: "begin; ", signal });
    const written: WrittenChunk[] = [first];
    const tx = { begun: first.cleared, savepoint: false, savepoints: 0 };
    // small by its rows or by its time (on a busy machine an empty chunk can take 20 ms)
    if (ctx.jobWorker && (first.rows <= smallChunkRows || performance.now() - t0 < firstChunkMs)) {
      claiming: while (written.length < maxChunks && tx.savepoints < MAX_SAVEPOINTS) {
        const elapsed = performance.now() - t0;
        if (elapsed >= budgetMs) break;
        // as many as the time left allows at the pace so far, at most twice the batch so far
        // (later chunks may be slower than the first)
        const pace = Math.max(elapsed / written.length, 0.05);
        const want = Math.max(1, Math.min(maxChunks - written.length, 2 * written.length, Math.floor((budgetMs - elapsed) / pace)));
        const more = await claimTasks(ctx, spec.task, want);
        if (more.length === 0) break;
        claimed.push(...more);
        for (let i = 0; i < more.length; i++) {
          if (tx.savepoints >= MAX_SAVEPOINTS || performance.now() - t0 >= budgetMs) {
            // over budget: the chunks not run yet go back to the queue
            const unrun = more.slice(i);
            await releaseTasks(ctx, unrun);
            claimed.splice(claimed.length - unrun.length);
            for (const m of unrun) ctx.running.remove(m.task);
            break claiming;
          }
          const chunk = await writeClaimed(ctx, client, more[i]!, tx, signal);
          if (chunk) written.push(chunk);
        }
      }
    }
    signal.throwIfAborted();
    await client.query(completeStatement(written, tx.begun ? "" : "begin; ")).catch((err: unknown) => Promise.reject(toDsError(err)));
    client.release();
    return first.rows;
  } catch (err) {
    await client.query("rollback").then(() => client.release(), (e: Error) => client.release(e));
    if (claimed.length > 0) await releaseTasks(ctx, claimed);
    // the first chunk's own failure, or nothing claimed: as for a chunk run alone
    if (claimed.length === 0 || first === null || signal.aborted) throw err;
    return runAlone(ctx, spec, signal);
  } finally {
    for (const m of claimed) ctx.running.remove(m.task);
  }
}

/** Savepoints per batch at most: past 64 subtransactions PostgreSQL's snapshots of every session get slower. */
const MAX_SAVEPOINTS = 32;

interface BatchTransaction {
  /** The transaction is open (a chunk sent its first statement). */
  begun: boolean;
  /** A savepoint of an earlier chunk is still open: released before the next one. */
  savepoint: boolean;
  savepoints: number;
}

/**
 * A claimed chunk's rows, behind a savepoint when it writes any. A builder failure or rows
 * the table rejects are recorded against that chunk alone, as if it had run in its own
 * job (ds_worker.fail_claimed_task, in the batch's transaction) and its rows are rolled
 * back to the savepoint; null then. Any other error (the batch's connection, an abort)
 * fails the whole batch.
 */
async function writeClaimed(ctx: BatchContext, client: pg.PoolClient, spec: TaskSpec, tx: BatchTransaction, signal: AbortSignal): Promise<WrittenChunk | null> {
  const sent = { value: false };
  const prefix = `${tx.begun ? "" : "begin; "}${tx.savepoint ? "release savepoint chunk; " : ""}savepoint chunk; `;
  // registered when it was claimed (claimTasks)
  const own = ctx.running.signalOf(spec.task) ?? ctx.running.add(spec.task, ctx.jobWorker);
  try {
    const chunk = await writeChunkRows(ctx.pool, client, spec, ctx.builders, ctx.buildersDir, { prefix, signal: AbortSignal.any([signal, own]), sent });
    return chunk;
  } catch (err) {
    if (signal.aborted || own.aborted || !(err instanceof BuilderFailure || (err instanceof DsError && err.code !== "DS045"))) throw err;
    const { message, code, retryable } = chunkFailure(spec, err);
    if (sent.value) await client.query("rollback to savepoint chunk");
    else if (!tx.begun) await client.query("begin");
    tx.begun = true;
    await client.query("select ds_worker.fail_claimed_task($1, $2, $3, $4, $5)", [spec.task, ctx.jobWorker, message, code, retryable]);
    return null;
  } finally {
    if (sent.value) {
      tx.begun = true;
      tx.savepoint = true;
      tx.savepoints++;
    }
  }
}

async function claimTasks(ctx: BatchContext, task: number, max: number): Promise<TaskSpec[]> {
  const { rows } = await ctx.pool.query<{ specs: TaskSpec[] }>("select ds_worker.claim_tasks($1, $2, $3, $4) as specs", [task, ctx.workerId, ctx.jobWorker, max]);
  // running under this worker from now on: the heartbeat must know them as its own (a task
  // of this worker that it does not report is given back, ds_worker.release_unknown_tasks)
  for (const spec of rows[0]!.specs) {
    ctx.running.add(spec.task, ctx.jobWorker);
    ctx.running.started(spec.task);
  }
  return rows[0]!.specs;
}

async function releaseTasks(ctx: BatchContext, claimed: TaskSpec[]): Promise<void> {
  // through a database outage (the batch failed because the server restarted), again every
  // second until it answers: claimed tasks left running under a live worker would never run
  // again (no one recovers a worker that is alive)
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.pool.query("select ds_worker.release_tasks($1, $2)", [claimed.map((c) => c.task), ctx.jobWorker]);
      return;
    } catch (err) {
      if (attempt >= RELEASE_ATTEMPTS || !isLostConnection(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** Tries to give claimed tasks back through an outage: 10 minutes at one a second. */
const RELEASE_ATTEMPTS = 600;

/** The first chunk again, alone in its own transaction (its batch failed in another chunk). */
async function runAlone(ctx: BatchContext, spec: TaskSpec, signal: AbortSignal): Promise<number> {
  const client = await ctx.pool.connect();
  try {
    const rows = await buildAndWriteChunk(ctx.pool, client, spec, ctx.builders, ctx.buildersDir, { own: true, signal });
    client.release();
    return rows;
  } catch (err) {
    await client.query("rollback").then(() => client.release(), (e: Error) => client.release(e));
    throw err;
  }
}
