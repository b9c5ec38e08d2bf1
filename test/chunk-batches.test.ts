import { beforeEach, describe, expect, it } from "vitest";
import { calls, knobs, resetCalls } from "./fixtures/builders/calls.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

// batches of at most 10 chunks, whatever the machine's speed (the default limits are time budgets)
const db = useWorkerDatabase("chunk-batches", { batch: { firstChunkMs: 60_000, budgetMs: 60_000, maxChunks: 10 } });

async function buildAndWait(start: string, end: string) {
  const { id } = await db.one<{ id: number }>("select ds.build('t-batch', '0.1.0', $1, $2) as id", [start, end]);
  const { state } = await db.one<{ state: string }>("select ds.wait($1, '60 seconds') as state", [id]);
  return { id, state };
}

const storedDays = async () =>
  (await db.q<{ d: number }>("select extract(day from ts at time zone 'UTC')::int d from ds_data.t_batch_v0_1_0 order by ts")).map((r) => r.d);
const callsPerDay = () => {
  const n = new Map<number, number>();
  for (const c of calls("t-batch")) n.set(new Date(c.ts).getUTCDate(), (n.get(new Date(c.ts).getUTCDate()) ?? 0) + 1);
  return n;
};
const tasks = (id: number) =>
  db.q<{ day: number; state: string; rows_written: number | null; tx: string; attempts: number; error_code: string | null }>(
    `select extract(day from lower(t.points) at time zone 'UTC')::int as day, t.state, t.rows_written::int, t.xmin::text tx, t.attempts, t.error_code
     from ds_private.tasks t join ds_private.build_tasks bt on bt.task_id = t.id where bt.build_id = $1 order by t.id`, [id]);

beforeEach(async () => {
  resetCalls();
  delete knobs.batchThrowDay;
  delete knobs.batchBadDay;
  await db.q("select ds.delete('t-batch', '0.1.0', '2024-01-01', '2024-12-31')");
});

describe("batches of small chunks", () => {
  it("commits one-point chunks several at a time, each point built once and covered", async () => {
    const { id, state } = await buildAndWait("2024-01-01", "2024-01-31");
    expect(state).toBe("succeeded");
    const t = await tasks(id);
    expect(t).toHaveLength(31);
    expect(t.every((x) => x.state === "succeeded" && x.attempts === 1)).toBe(true);
    // a task's rows are its own: one on even days, none on odd days
    expect(t.map((x) => x.rows_written)).toEqual(t.map((x) => (x.day % 2 === 0 ? 1 : 0)));
    // 31 chunks, at most 10 per batch, two slots: far fewer commits than chunks
    const commits = new Set(t.map((x) => x.tx)).size;
    expect(commits).toBeGreaterThanOrEqual(4);
    expect(commits).toBeLessThanOrEqual(20);
    expect([...callsPerDay().values()].every((n) => n === 1)).toBe(true);
    expect(callsPerDay().size).toBe(31);
    expect(await storedDays()).toEqual(Array.from({ length: 15 }, (_, i) => 2 * (i + 1)));
    expect(await db.q("select r from ds.missing('t-batch', '0.1.0', '2024-01-01', '2024-01-31') r")).toEqual([]);
    // the jobs went with the commits
    expect((await db.one<{ n: number }>("select count(*)::int n from graphile_worker._private_jobs where key like 'ds-task-%'")).n).toBe(0);
  });

  it("a chunk whose builder throws fails alone, with its own retries; the rest of its batch commits", async () => {
    knobs.batchThrowDay = 10;
    const { id, state } = await buildAndWait("2024-01-01", "2024-01-20");
    expect(state).toBe("failed");
    const t = await tasks(id);
    const failed = t.filter((x) => x.state !== "succeeded");
    expect(failed.map((x) => [x.day, x.state, x.attempts])).toEqual([[10, "failed", 2]]);
    // max-attempts 2: the builder ran twice for day 10, once for every other day
    const perDay = callsPerDay();
    expect(perDay.get(10)).toBe(2);
    expect([...perDay.entries()].filter(([d]) => d !== 10).every(([, n]) => n === 1)).toBe(true);
    expect(await storedDays()).toEqual([2, 4, 6, 8, 12, 14, 16, 18, 20]);
    const missing = await db.q<{ r: string }>("select r::text from ds.missing('t-batch', '0.1.0', '2024-01-01', '2024-01-20') r");
    expect(missing.map((m) => m.r)).toEqual(['["2024-01-10 00:00:00+00","2024-01-11 00:00:00+00")']);
    const { error } = await db.one<{ error: string }>("select error from ds.builds where id = $1", [id]);
    expect(error).toMatch(/^t-batch 0\.1\.0 at 2024-01-10T00:00:00\.000Z: builder failed: upstream is down/);
  }, 60_000);

  it("a chunk with invalid rows fails at once (DS017) and writes nothing; the rest of its batch commits", async () => {
    knobs.batchBadDay = 12;
    const { id, state } = await buildAndWait("2024-01-01", "2024-01-20");
    expect(state).toBe("failed");
    const t = await tasks(id);
    expect(t.filter((x) => x.state !== "succeeded").map((x) => [x.day, x.state, x.attempts, x.error_code])).toEqual([[12, "failed", 1, "DS017"]]);
    expect(callsPerDay().get(12)).toBe(1);
    expect(await storedDays()).toEqual([2, 4, 6, 8, 10, 14, 16, 18, 20]);
  });
});
