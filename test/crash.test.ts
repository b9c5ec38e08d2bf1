import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../db/project-root.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";
import { until } from "./support/until.ts";

const db = useWorkerDatabase("crash", { worker: false });
const children: ChildProcess[] = [];

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, [join(projectRoot(), "cli", "main.ts"), "worker", "--database-url", db.url, "--builders", fixtureBuilders, "--concurrency", "1"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return child;
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});


describe("a worker killed with SIGKILL in the middle of a chunk", () => {
  it("leaves nothing partial, and a restarted worker finishes the build", async () => {
    const { id } = await db.one<{ id: number }>("select ds.build('t-slow', '0.1.0', '2024-01-01', '2024-09-30T23:59:00Z') as id");
    const total = 274 * 1440;
    const first = startWorkerProcess();
    await until("a COPY into the table", async () =>
      (await db.q("select 1 from pg_stat_activity where state = 'active' and query ilike 'copy ds_store.\"t_slow_v0_1_0\"%'")).length > 0, 120_000);
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));

    // every committed chunk is whole, nothing else is there
    const committed = await until("the killed COPY to roll back", async () => {
      const idle = (await db.q("select 1 from pg_stat_activity where query ilike 'copy ds_store.%' and state = 'active'")).length === 0;
      return idle && db.one<{ rows: number; points: number; running: number }>(
        `select (select count(*)::int from ds_data.t_slow_v0_1_0) rows,
                coalesce(sum(point_count) filter (where state = 'succeeded'), 0)::int points,
                count(*) filter (where state = 'running')::int running
         from ds_private.tasks t join ds_private.build_tasks bt on bt.task_id = t.id where bt.build_id = ${id}`);
    });
    expect(committed.rows).toBe(committed.points);
    expect(committed.rows).toBeLessThan(total);
    expect(committed.running).toBe(1); // the killed one, until a worker recovers it

    const second = startWorkerProcess();
    const state = await db.one<{ s: string }>("select ds.wait($1, '120 seconds') as s", [id]);
    expect(state.s).toBe("succeeded");
    const after = await db.one<{ n: number; distinct_ts: number }>("select count(*)::int n, count(distinct ts)::int distinct_ts from ds_data.t_slow_v0_1_0");
    expect(after).toEqual({ n: total, distinct_ts: total });
    second.kill("SIGTERM");
    await new Promise((r) => second.once("exit", r));
    expect(second.exitCode).toBe(0);
  }, 240_000);

  it("is safe with several worker processes on one database: every chunk runs once", async () => {
    const workers = [startWorkerProcess(), startWorkerProcess()];
    // both must be up before the build, or one could take every chunk
    await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
      let out = "";
      w.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("running")) resolve();
      });
    })));
    const { id } = await db.one<{ id: number }>("select ds.build('t-child', '0.1.0', '2024-06-01', '2025-12-31') as id");
    expect((await db.one<{ s: string }>("select ds.wait($1, '120 seconds') as s", [id])).s).toBe("succeeded");
    const tasks = await db.one<{ n: number; once: number; workers: number }>(
      `select count(*)::int n, count(*) filter (where attempts = 1)::int once, count(distinct worker_id)::int workers
       from ds_private.tasks t join ds_private.build_tasks bt on bt.task_id = t.id where bt.build_id = $1`, [id]);
    expect(tasks.once).toBe(tasks.n);
    expect(tasks.workers).toBe(2);
    const rows = await db.one<{ n: number; d: number }>("select count(*)::int n, count(distinct ts)::int d from ds_data.t_child_v0_1_0");
    expect(rows).toEqual({ n: 579, d: 579 });
    for (const w of workers) w.kill("SIGTERM");
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode === null ? w.once("exit", r) : r(null)))));
  }, 240_000);
});
