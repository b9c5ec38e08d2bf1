/**
 * A task running under a live worker that the worker does not know — a batch claim or a
 * start that committed while its answer was lost to a database restart — used to stay
 * running until that worker died: its build never ended. The heartbeat now reports such
 * tasks and gives them back at the next beat if the worker still does not run them
 * (ds_worker.release_unknown_tasks). The lost answer is made here by marking a task running
 * under the live worker, its job locked by a job runner that does not exist, as a claim
 * would, in the transaction that creates the build.
 */
import { describe, expect, it } from "vitest";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("unknown_tasks");

describe("tasks a live worker does not know it runs", () => {
  it("are given back within two heartbeats and built; the build ends", async () => {
    const client = await db.pool.connect();
    let build: number;
    let orphan: number;
    try {
      await client.query("begin");
      build = Number((await client.query("select ds.build('t-binary', '0.1.0', '2024-03-01', '2024-03-05') as id")).rows[0].id);
      orphan = Number((await client.query(
        "select min(t.id) as id from ds_private.tasks t join ds_private.build_tasks bt on bt.task_id = t.id where bt.build_id = $1", [build])).rows[0].id);
      // what ds_worker.claim_tasks commits for a claim: the task running under the worker, its attempt counted, its job locked
      await client.query("update ds_private.tasks set state = 'running', worker_id = $2, job_worker = 'lost-claim-runner', attempts = attempts + 1, started_at = now() where id = $1",
        [orphan, db.worker.id]);
      const locked = await client.query("update graphile_worker._private_jobs set locked_by = 'lost-claim-runner', locked_at = now() where key = $1", [`ds-task-${orphan}`]);
      expect(locked.rowCount).toBe(1);
      await client.query("commit");
    } finally {
      client.release();
    }
    // the other chunks are built at once; the orphan waits for two heartbeats (2 s apart)
    expect((await db.one<{ state: string }>("select ds.wait($1, '30 seconds') as state", [build])).state).toBe("succeeded");
    const task = await db.one<{ state: string; attempts: number; worker_id: string }>(
      "select state, attempts, worker_id::text from ds_private.tasks where id = $1", [orphan]);
    // run once for real: the lost claim's attempt was taken back
    expect(task).toMatchObject({ state: "succeeded", attempts: 1, worker_id: db.worker.id });
    expect((await db.one<{ n: number }>("select count(*)::int as n from ds_data.t_binary_v0_1_0 where ts >= '2024-03-01' and ts < '2024-03-06'")).n).toBeGreaterThan(0);
  }, 60_000);

  it("leaves alone what the worker reports running, and tasks of other workers", async () => {
    const other = "00000000-0000-0000-0000-000000000001";
    // a task of this worker that it reports (running) is never given back, even as a suspect
    const client = await db.pool.connect();
    try {
      await client.query("begin");
      const build = Number((await client.query("select ds.build('t-binary', '0.1.0', '2024-04-01', '2024-04-01') as id")).rows[0].id);
      const task = Number((await client.query("select min(task_id) as id from ds_private.build_tasks where build_id = $1", [build])).rows[0].id);
      await client.query("update ds_private.tasks set state = 'running', worker_id = $2, job_worker = 'someone' where id = $1", [task, db.worker.id]);
      const unknown = (await client.query("select ds_worker.release_unknown_tasks($1, array[$2]::bigint[], array[$2]::bigint[]) as u", [db.worker.id, task])).rows[0].u;
      expect(unknown).toEqual([]);
      expect((await client.query("select state from ds_private.tasks where id = $1", [task])).rows[0].state).toBe("running");
      // not reported now but not a suspect yet: reported as one, still running
      const first = (await client.query("select ds_worker.release_unknown_tasks($1, '{}', '{}') as u", [db.worker.id])).rows[0].u.map(Number);
      expect(first).toContain(task);
      expect((await client.query("select state from ds_private.tasks where id = $1", [task])).rows[0].state).toBe("running");
      // another worker's heartbeat never gives back this worker's task
      const foreign = (await client.query("select ds_worker.release_unknown_tasks($1, '{}', array[$2]::bigint[]) as u", [other, task])).rows[0].u;
      expect(foreign).toEqual([]);
      expect((await client.query("select state from ds_private.tasks where id = $1", [task])).rows[0].state).toBe("running");
      // a suspect still not reported: given back
      await client.query("select ds_worker.release_unknown_tasks($1, '{}', array[$2]::bigint[])", [db.worker.id, task]);
      expect((await client.query("select state from ds_private.tasks where id = $1", [task])).rows[0].state).toBe("queued");
    } finally {
      await client.query("rollback");
      client.release();
    }
  });
});
