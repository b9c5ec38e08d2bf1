/**
 * Workers and database faults (issue 7, faults 1 and 2): `ds worker` processes ride out a
 * restart of their PostgreSQL (fast and immediate) in the middle of a build — reconnect,
 * keep their liveness, resume the queue, log one line when the database goes and one when
 * it is back — and a chunk whose worker is killed max-attempts times fails with DS030
 * instead of leaving its build queued forever. Nothing is lost, nothing duplicated.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createPool } from "../db/pool.ts";
import { projectRoot } from "../db/project-root.ts";
import { startThrowawayServer, throwawayBinaries, type ThrowawayServer } from "./support/throwaway-server.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";
import { until as untilOk } from "./support/until.ts";

const until = <T>(what: string, f: () => Promise<T | undefined | false>, timeoutMs = 60_000) => untilOk(what, f, timeoutMs, { ignoreErrors: true });

interface WorkerProcess {
  child: ChildProcess;
  output(): string;
}

const children: ChildProcess[] = [];

function startWorkerProcess(url: string, concurrency = 2): WorkerProcess {
  const child = spawn(process.execPath, [join(projectRoot(), "cli", "main.ts"), "worker", "--database-url", url, "--builders", fixtureBuilders, "--concurrency", String(concurrency)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}


async function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  return child.exitCode;
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

const binaries = await throwawayBinaries();

describe.skipIf("skip" in binaries)(`a database restart under a running build${"skip" in binaries ? ` (skipped: ${binaries.skip})` : ""}`, () => {
  let server: ThrowawayServer;
  let pool: pg.Pool;
  beforeAll(async () => {
    server = await startThrowawayServer((binaries as { binDir: string }).binDir, fixtureBuilders);
    pool = createPool(server.url, { max: 4 });
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    server?.stop();
  });

  for (const [mode, day, end] of [["immediate", "2024-03-01", "2024-03-04T23:59:00Z"], ["fast", "2024-02-01", "2024-02-04T23:59:00Z"]] as const) {
    it(`is ridden out by the worker (${mode}): the build succeeds, nothing lost or duplicated, liveness back`, async () => {
      // two worker processes, as in a real install with several
      const w = startWorkerProcess(server.url);
      const w2 = startWorkerProcess(server.url);
      onTestFinished(() => {
        // a failed assertion must not leave these workers running into the next case
        for (const p of [w, w2]) if (p.child.exitCode === null) p.child.kill("SIGKILL");
      });
      await until("the workers to start", async () => w.output().includes("running") && w2.output().includes("running"));
      // 4 days of minutes, 8 chunks of 720 points, about a second each
      const { id } = (await pool.query("select ds.build('t-pause', '0.1.0', $1, $2) as id", [day, end])).rows[0];
      await until("a chunk to commit", async () =>
        (await pool.query("select points_built from ds.builds where id = $1", [id])).rows[0].points_built > 0);
      server.restart(mode);

      const state = await until("the build to end", async () => {
        const { rows } = await pool.query("select ds.wait($1, '5 seconds') as s", [id]);
        return rows[0].s as string;
      }, 120_000).catch(async (err: Error) => {
        const tasks = (await pool.query("select id, state, attempts, error from ds_private.tasks order by id")).rows;
        const jobs = (await pool.query("select id, attempts, locked_by, locked_at, last_error from graphile_worker.jobs order by id")).rows;
        throw new Error(`${err.message}\nworker output:\n${w.output()}\n---\n${w2.output()}\ntasks: ${JSON.stringify(tasks)}\njobs: ${JSON.stringify(jobs)}`);
      });
      expect(state).toBe("succeeded");
      const points = 4 * 1440;
      const { rows } = await pool.query(
        "select count(*)::int n, count(distinct ts)::int d from ds_data.t_pause_v0_1_0 where ts between $1 and $2", [day, end]);
      expect(rows[0]).toEqual({ n: points, d: points });
      // the same process, live again (its advisory lock is held) and polling
      let h: Record<string, unknown> = {};
      const health = await until("the workers to show live", async () => {
        h = (await pool.query("select * from ds_server.health()")).rows[0];
        return h.live_workers === 2 && h;
      }).catch(async (err: Error) => {
        const workers = (await pool.query("select * from ds_private.workers")).rows;
        throw new Error(`${err.message}: ${JSON.stringify(h)} ${JSON.stringify(workers)}\n${w.output()}\n${w2.output()}`);
      });
      expect(health.registered_workers).toBe(2);
      for (const p of [w, w2]) {
        expect(p.child.exitCode).toBeNull();
        // one line when the database went away, one when it came back
        await until("the back line", async () => /database back after/.test(p.output()));
        expect(p.output().match(/database unreachable/g)).toHaveLength(1);
        expect(p.output().match(/database back after/g)).toHaveLength(1);
        expect(p.output()).not.toMatch(/worker error:|\bat \S+:\d+/); // no other line, no stack trace
        expect(await stopChild(p.child)).toBe(0);
      }
    }, 240_000);
  }
});

describe("a chunk whose worker dies max-attempts times", () => {
  const db = useWorkerDatabase("faults_db", { worker: false });

  it("fails with DS030 and its build ends failed, so ds.wait returns", async () => {
    const { id } = await db.one<{ id: number }>("select ds.build('t-wait', '0.1.0', '2024-02-01', '2024-02-01') as id");
    const task = () => db.one<{ state: string; attempts: number }>(
      "select t.state, t.attempts from ds_private.tasks t join ds_private.build_tasks bt on bt.task_id = t.id where bt.build_id = $1", [id]);
    for (let attempt = 1; attempt <= 2; attempt++) { // t-wait has max-attempts = 2
      const w = startWorkerProcess(db.url, 1);
      await until(`attempt ${attempt} to run`, async () => {
        const t = await task();
        return t.state === "running" && t.attempts === attempt;
      });
      w.child.kill("SIGKILL");
      await new Promise((r) => w.child.once("exit", r));
    }
    // the next worker to start recovers the dead one's chunk: no attempts left
    const last = startWorkerProcess(db.url, 1);
    expect(await db.one("select ds.wait($1, '60 seconds') as s", [id])).toEqual({ s: "failed" });
    const build = await db.one<{ error: string; error_code: string }>("select error, error_code from ds.builds where id = $1", [id]);
    expect(build.error_code).toBe("DS030");
    expect(build.error).toMatch(/the worker died while running this chunk, 2 time\(s\) of max-attempts 2/);
    expect(await task()).toEqual({ state: "failed", attempts: 2 });
    expect((await db.one<{ n: number }>("select count(*)::int n from ds_data.t_wait_v0_1_0")).n).toBe(0);
    // and the surviving worker serves the next build
    const next = await db.one<{ id: number }>("select ds.build('t-root', '0.1.0', '2024-02-01', '2024-02-03') as id");
    expect(await db.one("select ds.wait($1, '60 seconds') as s", [next.id])).toEqual({ s: "succeeded" });
    expect(await stopChild(last.child)).toBe(0);
  }, 180_000);
});
