/**
 * Contained builders (issue 7, faults 3): a builder that hangs, loops on the CPU or calls
 * process.exit fails its own chunk with a coded error and never takes the worker down;
 * ds.cancel stops running chunks, which never run again. The worker runs in this process,
 * so a builder on its event loop would freeze the test itself.
 */
import { describe, expect, it } from "vitest";
import { calls, resetCalls } from "./fixtures/builders/calls.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";
import { until } from "./support/until.ts";

const db = useWorkerDatabase("faults_builders");

async function buildAndWait(dataset: string, start: string, end: string) {
  const { id } = await db.one<{ id: number }>("select ds.build($1, '0.1.0', $2, $3) as id", [dataset, start, end]);
  const { state } = await db.one<{ state: string }>("select ds.wait($1, '60 seconds') as state", [id]);
  const build = await db.one<{ error: string; error_code: string }>("select error, error_code from ds.builds where id = $1", [id]);
  return { id, state, ...build };
}


/** How late a 50 ms timer of this process fires: the event loop's responsiveness. */
async function timerLagMs(): Promise<number> {
  const start = performance.now();
  await new Promise((r) => setTimeout(r, 50));
  return performance.now() - start - 50;
}

let served = 0;
/** A build of points nobody built before runs to the end. */
async function workerServes() {
  const day = `2024-03-${String(10 + served++).padStart(2, "0")}`;
  const ok = await buildAndWait("t-root", day, day);
  expect(ok.state).toBe("succeeded");
  return ok;
}

describe("contained builders", () => {
  it("fails a builder that never resolves at its timeout (DS031), max-attempts times, and keeps serving", async () => {
    const r = await buildAndWait("t-hang", "2024-01-01", "2024-01-01");
    expect(r.state).toBe("failed");
    expect(r.error_code).toBe("DS031");
    expect(r.error).toMatch(/t-hang 0\.1\.0: the builder did not finish the chunk within its timeout of 1s/);
    const task = await db.one<{ attempts: number; state: string }>(
      "select t.attempts, t.state from ds_private.tasks t join ds_private.build_tasks bt on bt.task_id = t.id where bt.build_id = $1", [r.id]);
    expect(task).toEqual({ attempts: 2, state: "failed" }); // max-attempts = 2
    expect((await db.one<{ n: number }>("select count(*)::int n from ds_data.t_hang_v0_1_0")).n).toBe(0);
    await workerServes();
  });

  it("terminates a builder that loops on the CPU (DS031) while the worker's event loop stays free", async () => {
    const { id } = await db.one<{ id: number }>("select ds.build('t-loop', '0.1.0', '2024-01-01', '2024-01-01') as id");
    await until("the looping chunk to run", async () =>
      (await db.one<{ n: number }>("select count(*)::int n from ds_private.tasks t join ds_private.build_tasks bt on bt.task_id = t.id where bt.build_id = $1 and t.state = 'running'", [id])).n === 1);
    // the loop runs in a thread: this process (which hosts the worker) still answers timers
    expect(await timerLagMs()).toBeLessThan(250);
    const beat = await db.one<{ at: Date }>("select max(heartbeat_at) at from ds_private.workers");
    expect((await db.one<{ state: string }>("select ds.wait($1, '60 seconds') as state", [id])).state).toBe("failed");
    const b = await db.one<{ error_code: string }>("select error_code from ds.builds where id = $1", [id]);
    expect(b.error_code).toBe("DS031");
    // the heartbeat went on during the loop
    await until("a heartbeat after the loop started", async () =>
      (await db.one<{ at: Date }>("select max(heartbeat_at) at from ds_private.workers")).at > beat.at);
    await workerServes();
  });

  it("fails a chunk whose builder calls process.exit (DS032); the worker process lives on", async () => {
    const r = await buildAndWait("t-exit", "2024-01-01", "2024-01-02");
    expect(r.state).toBe("failed");
    expect(r.error_code).toBe("DS032");
    expect(r.error).toMatch(/t-exit 0\.1\.0: the builder ended its thread \(exit code 3\)/);
    await workerServes();
  });

  it("cancels a SQL builder's statement at its timeout (DS031)", async () => {
    const started = Date.now();
    const r = await buildAndWait("t-sql-slow", "2024-01-01", "2024-01-01");
    expect(r.state).toBe("failed");
    expect(r.error_code).toBe("DS031");
    expect(r.error).toMatch(/t-sql-slow 0\.1\.0: the SQL builder did not finish the chunk within its timeout of 1s/);
    expect(Date.now() - started).toBeLessThan(25_000); // not the 30 s it sleeps
    await workerServes();
  });

  it("stops running chunks on ds.cancel, frees their slots and never runs them again", async () => {
    resetCalls();
    // two chunks that would wait 10 minutes occupy both slots of the worker (concurrency 2)
    const a = await db.one<{ id: number }>("select ds.build('t-wait', '0.1.0', '2024-01-01', '2024-01-01') as id");
    const b = await db.one<{ id: number }>("select ds.build('t-wait', '0.1.0', '2024-01-05', '2024-01-05') as id");
    await until("both chunks to run", async () => calls("t-wait").length === 2);
    expect(await db.one("select ds.cancel($1) as s", [a.id])).toEqual({ s: "cancelled" });
    expect(await db.one("select ds.cancel($1) as s", [b.id])).toEqual({ s: "cancelled" });
    // both slots are free again: another build runs to the end
    const started = Date.now();
    await workerServes();
    expect(Date.now() - started).toBeLessThan(20_000);
    const tasks = await db.q<{ state: string; rows_written: number | null }>(
      "select t.state, t.rows_written from ds_private.tasks t join ds_private.build_tasks bt on bt.task_id = t.id where bt.build_id in ($1, $2)", [a.id, b.id]);
    expect(tasks).toEqual([{ state: "cancelled", rows_written: null }, { state: "cancelled", rows_written: null }]);
    // no job is left to run them again, and they were not run again
    expect((await db.one<{ n: number }>("select count(*)::int n from graphile_worker.jobs where task_identifier = 'ds_run_task'")).n).toBe(0);
    expect(calls("t-wait")).toHaveLength(2);
    expect((await db.one<{ n: number }>("select count(*)::int n from ds_data.t_wait_v0_1_0")).n).toBe(0);
  });
});
