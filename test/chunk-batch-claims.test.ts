import { randomUUID } from "node:crypto";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { BuilderPool } from "../worker/builder-pool.ts";
import { startTask } from "../worker/chunk.ts";
import { runChunkBatch, type BatchContext } from "../worker/chunk-batch.ts";
import { RunningChunks } from "../worker/running-chunks.ts";
import { calls, knobs, resetCalls } from "./fixtures/builders/calls.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";

// no worker: the batches run here, led by a chosen task, so which chunks they claim is known
const db = useWorkerDatabase("chunk-batch-claims", { worker: false });
const builders = new BuilderPool({ size: 1 });
afterAll(() => builders.close());

const workerId = randomUUID();
const context = (): BatchContext => ({
  pool: db.pool, builders, buildersDir: fixtureBuilders, workerId, jobWorker: "test-runner", running: new RunningChunks(),
  limits: { smallChunkRows: 1000, firstChunkMs: 60_000, budgetMs: 60_000, maxChunks: 12 },
});

interface TaskRow { id: number; day: number; state: string; attempts: number; tx: string; error_code: string | null; rows_written: number | null }
const tasks = (build: number) =>
  db.q<TaskRow>(`select t.id::int, extract(day from lower(t.points) at time zone 'UTC')::int as day, t.state, t.attempts, t.xmin::text tx, t.error_code, t.rows_written::int
                 from ds_private.tasks t join ds_private.build_tasks bt on bt.task_id = t.id where bt.build_id = $1 order by lower(t.points)`, [build]);
const job = (task: number) =>
  db.one<{ attempts: number; locked_by: string | null; later: boolean } | undefined>(
    "select attempts, locked_by, run_at > now() as later from graphile_worker._private_jobs where key = $1", [`ds-task-${task}`]);
const storedDays = async () =>
  (await db.q<{ d: number }>("select extract(day from ts at time zone 'UTC')::int d from ds_data.t_batch_v0_1_0 order by ts")).map((r) => r.d);

/** Plans days 1..20 and runs one batch led by day 1's task. */
async function batchFromDayOne() {
  const { id } = await db.one<{ id: number }>("select ds.build('t-batch', '0.1.0', '2024-01-01', '2024-01-20') as id");
  const first = (await tasks(id))[0]!;
  const spec = await startTask(db.pool, first.id, workerId, "test-runner");
  const ctx = context();
  const outcome = runChunkBatch(ctx, spec!, new AbortController().signal);
  return { id, first, outcome, ctx };
}

beforeEach(async () => {
  resetCalls();
  delete knobs.batchThrowDay;
  delete knobs.batchBadDay;
  // what an earlier test left: its tasks and jobs, its rows
  await db.q("update ds_private.tasks set state = 'cancelled' where state in ('waiting', 'queued', 'running')");
  await db.q("delete from graphile_worker._private_jobs");
  await db.q("select ds.delete('t-batch', '0.1.0', '2024-01-01', '2024-12-31')");
});

describe("a batch of claimed chunks", () => {
  it("claims the next queued chunks of the version in time order and commits them in one transaction", async () => {
    const { id, outcome } = await batchFromDayOne();
    expect(await outcome).toBe(0);
    const t = await tasks(id);
    const done = t.filter((x) => x.state === "succeeded");
    expect(done.map((x) => x.day)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(new Set(done.map((x) => x.tx)).size).toBe(1);
    expect(done.map((x) => x.rows_written)).toEqual(done.map((x) => (x.day % 2 === 0 ? 1 : 0)));
    // the rest is untouched: queued, its jobs free
    expect(t.filter((x) => x.state !== "succeeded").every((x) => x.state === "queued" && x.attempts === 0)).toBe(true);
    for (const x of t) expect(await job(x.id)).toEqual(x.state === "succeeded" ? undefined : { attempts: 0, locked_by: null, later: false });
    expect(await storedDays()).toEqual([2, 4, 6, 8, 10, 12]);
    expect((await db.q<{ r: string }>("select r::text from ds.missing('t-batch', '0.1.0', '2024-01-01', '2024-01-12') r"))).toEqual([]);
  });

  it("records a claimed chunk's builder failure against it alone (an attempt, graphile-worker's backoff) and commits the others", async () => {
    knobs.batchThrowDay = 6;
    const { id, outcome } = await batchFromDayOne();
    expect(await outcome).toBe(0);
    const t = await tasks(id);
    const day6 = t.find((x) => x.day === 6)!;
    expect(day6).toMatchObject({ state: "queued", attempts: 1, error_code: null });
    expect(await job(day6.id)).toEqual({ attempts: 1, locked_by: null, later: true });
    expect(t.filter((x) => x.state === "succeeded").map((x) => x.day)).toEqual([1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13]);
    expect(calls("t-batch").filter((c) => c.ts.startsWith("2024-01-06"))).toHaveLength(1);
    // twelve chunks written: a failed one does not count
    expect(await storedDays()).toEqual([2, 4, 8, 10, 12]);
  });

  it("rolls a claimed chunk's rows back to its savepoint when the table rejects them (DS017, final) and commits the others", async () => {
    knobs.batchBadDay = 8;
    const { id, outcome } = await batchFromDayOne();
    expect(await outcome).toBe(0);
    const t = await tasks(id);
    const day8 = t.find((x) => x.day === 8)!;
    expect(day8).toMatchObject({ state: "failed", attempts: 1, error_code: "DS017" });
    expect(await job(day8.id)).toBeUndefined();
    expect(await storedDays()).toEqual([2, 4, 6, 10, 12]);
    const { error } = await db.one<{ error: string }>("select error from ds.builds where id = $1", [id]);
    expect(error).toMatch(/^t-batch 0\.1\.0 at 2024-01-08T00:00:00\.000Z: /);
  });

  it("a chunk cancelled while its batch runs rolls the whole batch back: the others are given back, the first runs alone", async () => {
    const { id } = await db.one<{ id: number }>("select ds.build('t-batch', '0.1.0', '2024-01-01', '2024-01-20') as id");
    const t0 = await tasks(id);
    // a task the batch will claim is cancelled (as by ds.cancel) while the batch holds it
    const ctx = context();
    const spec = await startTask(db.pool, t0[0]!.id, workerId, "test-runner");
    knobs.batchThrowDay = 0;
    const claim = ctx.pool.query.bind(ctx.pool);
    let cancelled = false;
    ctx.pool = new Proxy(db.pool, {
      get(target, prop, receiver) {
        if (prop !== "query") return Reflect.get(target, prop, receiver);
        return async (...args: Parameters<typeof claim>) => {
          const result = await claim(...args);
          if (!cancelled && typeof args[0] === "string" && args[0].includes("claim_tasks")) {
            cancelled = true;
            await claim("update ds_private.tasks set state = 'cancelled' where id = $1", [t0[1]!.id]);
          }
          return result;
        };
      },
    });
    expect(await runChunkBatch(ctx, spec!, new AbortController().signal)).toBe(0);
    const t = await tasks(id);
    // the first committed alone, the cancelled one stays cancelled, every other is queued again with its attempt given back
    expect(t[0]).toMatchObject({ state: "succeeded" });
    expect(t[1]).toMatchObject({ state: "cancelled" });
    expect(t.slice(1).filter((x) => x.id !== t0[1]!.id).every((x) => x.state === "queued" && x.attempts === 0)).toBe(true);
    for (const x of t.slice(1)) expect((await job(x.id))?.locked_by ?? null).toBeNull();
    expect(await storedDays()).toEqual([]);
  });
});
