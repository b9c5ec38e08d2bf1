import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../db/project-root.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";
import { until } from "./support/until.ts";

const db = useWorkerDatabase("chunk-batch-crash", { worker: false });
const children: ChildProcess[] = [];

/** A `ds worker` process whose t-batch builder waits `sleepMs` on even days (a batch then lasts long enough to be killed in). */
function startWorkerProcess(sleepMs: number): ChildProcess {
  const child = spawn(process.execPath, [join(projectRoot(), "cli", "main.ts"), "worker", "--database-url", db.url, "--builders", fixtureBuilders, "--concurrency", "1"], {
    stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DS_TEST_BATCH_SLEEP_MS: String(sleepMs) },
  });
  children.push(child);
  return child;
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

describe("a worker killed with SIGKILL in the middle of a batch of chunks", () => {
  it("commits nothing of the batch, and its claimed chunks are recovered and built once by the next worker", async () => {
    const { id } = await db.one<{ id: number }>("select ds.build('t-batch', '0.1.0', '2024-01-01', '2024-03-31') as id");
    const tasks = () => db.q<{ state: string; day: string; tx: string; attempts: number }>(
      `select t.state, to_char(lower(t.points) at time zone 'UTC', 'MM-DD') as day, t.xmin::text tx, t.attempts
       from ds_private.tasks t join ds_private.build_tasks bt on bt.task_id = t.id where bt.build_id = $1 order by lower(t.points)`, [id]);
    const first = startWorkerProcess(300);
    // one worker, one slot: more than one running task is a batch that claimed chunks
    await until("a batch of claimed chunks", async () => (await tasks()).filter((t) => t.state === "running").length > 1, 120_000);
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));

    const killed = await tasks();
    const running = killed.filter((t) => t.state === "running");
    expect(running.length).toBeGreaterThan(1);
    // what committed is whole chunks: a row for each even day of a succeeded task, nothing else
    const days = (await db.q<{ d: string }>("select to_char(ts at time zone 'UTC', 'MM-DD') d from ds_data.t_batch_v0_1_0 order by ts")).map((r) => r.d);
    const succeededEven = killed.filter((t) => t.state === "succeeded" && Number(t.day.slice(3)) % 2 === 0).map((t) => t.day);
    expect(days).toEqual(succeededEven);

    const second = startWorkerProcess(0);
    expect((await db.one<{ s: string }>("select ds.wait($1, '120 seconds') as s", [id])).s).toBe("succeeded");
    const after = await tasks();
    // the killed batch's chunks ran again (a second attempt), every point is stored once
    for (const t of running) expect(after.find((a) => a.day === t.day)!.attempts).toBe(2);
    const rows = await db.one<{ n: number; d: number }>("select count(*)::int n, count(distinct ts)::int d from ds_data.t_batch_v0_1_0");
    expect(rows).toEqual({ n: 44, d: 44 });
    expect(await db.q("select r from ds.missing('t-batch', '0.1.0', '2024-01-01', '2024-03-31') r")).toEqual([]);
    second.kill("SIGTERM");
    await new Promise((r) => second.once("exit", r));
  }, 240_000);
});
