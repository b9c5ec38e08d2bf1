import { beforeEach, describe, expect, it } from "vitest";
import { calls, knobs, resetCalls } from "./fixtures/builders/calls.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("failures");

async function buildAndWait(name: string, start: string, end: string) {
  const { id } = await db.one<{ id: number }>("select ds.build($1, '0.1.0', $2, $3) as id", [name, start, end]);
  const { state } = await db.one<{ state: string }>("select ds.wait($1, '60 seconds') as state", [id]);
  return { id, state, build: await db.one<Record<string, unknown>>("select * from ds.builds where id = $1", [id]) };
}

const storedDays = async (table: string) =>
  (await db.q<{ d: string }>(`select to_char(ts at time zone 'UTC', 'MM-DD') d from ds_data.${table} order by ts`)).map((r) => r.d);

beforeEach(async () => {
  resetCalls();
  knobs.badMode = 0;
  knobs.flakyFailures = 0;
  await db.q("select ds.delete('t-bad', '0.1.0', '2024-01-01', '2024-12-31')");
});

describe("builder output validation", () => {
  const cases: [number, RegExp][] = [
    [1, /field "value" \(int\): expected an integer, got 1.5/],
    [2, /field "value" \(int\): expected an integer, got NaN/],
    [3, /row 0 has no field "value"/],
    [4, /row 0 has a field "extra" that is not in the schema/],
  ];
  for (const [mode, message] of cases) {
    it(`fails at once without retries and stores nothing of the chunk (mode ${mode})`, async () => {
      knobs.badMode = mode;
      const { state, build } = await buildAndWait("t-bad", "2024-01-01", "2024-01-10");
      expect(state).toBe("failed");
      expect(build.error).toMatch(message);
      expect(build.error).toMatch(/^t-bad 0\.1\.0 at 2024-01-03T00:00:00\.000Z: /);
      expect(calls("t-bad").filter((c) => c.ts.startsWith("2024-01-03"))).toHaveLength(1);
      // chunk size 5: days 1-5 failed as a whole, days 6-10 were independent and are kept
      expect(await storedDays("t_bad_v0_1_0")).toEqual(["01-06", "01-07", "01-08", "01-09", "01-10"]);
      const missing = await db.q<{ r: string }>("select r::text from ds.missing('t-bad', '0.1.0', '2024-01-01', '2024-01-10') r");
      expect(missing).toHaveLength(1);
    });
  }

  it("stores both rows of a point of a dataset without key, even identical ones (mode 6, issue 12)", async () => {
    knobs.badMode = 6;
    const { state } = await buildAndWait("t-bad", "2024-01-01", "2024-01-05");
    expect(state).toBe("succeeded");
    const rows = await db.q("select row_number, value from ds_data.t_bad_v0_1_0 where ts = '2024-01-03' order by row_number");
    expect(rows).toEqual([{ row_number: 1, value: 3 }, { row_number: 2, value: 3 }]);
  });

  it("accepts integers for floats, nulls for nullable fields, and rejects booleans as numbers", async () => {
    const { validateRows } = await import("../worker/validate-rows.ts");
    const fields = [{ name: "x", type: "float" as const, nullable: false }, { name: "y", type: "int" as const, nullable: true }];
    expect(validateRows([{ x: 3, y: null }], fields, "here")).toHaveLength(1);
    expect(() => validateRows([{ x: true, y: 1 }], fields, "here")).toThrow(/expected a number/);
    expect(() => validateRows([{ x: Infinity, y: 1 }], fields, "here")).toThrow(/NaN and Infinity/);
    expect(() => validateRows([{ x: null, y: 1 }], fields, "here")).toThrow(/not nullable/);
    expect(() => validateRows({ x: 1 }, fields, "here")).toThrow(/instead of an array/);
  });
});

describe("builder exceptions", () => {
  it("retry with backoff up to max-attempts, then fail; dependents are cancelled, independent work is kept", async () => {
    knobs.badMode = 5;
    const { state, build } = await buildAndWait("t-bad-child", "2024-01-01", "2024-01-10");
    expect(state).toBe("failed");
    expect(build.error).toMatch(/t-bad 0\.1\.0 at 2024-01-03T00:00:00\.000Z: builder failed: upstream is down/);
    expect(calls("t-bad").filter((c) => c.ts.startsWith("2024-01-03"))).toHaveLength(3);
    expect(await storedDays("t_bad_v0_1_0")).toEqual(["01-06", "01-07", "01-08", "01-09", "01-10"]);
    // the child chunk over days 6-10 had its dependency and is kept; the one over 1-5 was cancelled
    expect(await storedDays("t_bad_child_v0_1_0")).toEqual(["01-06", "01-07", "01-08", "01-09", "01-10"]);
    const states = await db.q<{ state: string; n: number }>(
      `select t.state, count(*)::int n from ds_private.build_tasks bt join ds_private.tasks t on t.id = bt.task_id
       where bt.build_id = $1 group by t.state order by t.state`, [build.id]);
    expect(states).toEqual([{ state: "cancelled", n: 1 }, { state: "failed", n: 1 }, { state: "succeeded", n: 2 }]);
  });

  it("succeed when a retry succeeds", async () => {
    knobs.flakyFailures = 2;
    const { state } = await buildAndWait("t-flaky", "2024-01-01", "2024-01-01");
    expect(state).toBe("succeeded");
    expect(calls("t-flaky")).toHaveLength(3);
  });
});

describe("env-vars", () => {
  it("gives the builder its .env through the context without leaking it", async () => {
    await buildAndWait("t-env", "2024-01-01", "2024-01-01");
    await buildAndWait("t-noenv", "2024-01-01", "2024-01-01");
    expect(await db.one("select secret, leaked from ds_data.t_env_v0_1_0")).toEqual({ secret: "s3cr3t value", leaked: false });
    expect(await db.one("select secret from ds_data.t_noenv_v0_1_0")).toEqual({ secret: "(none)" });
    expect(process.env.DS_TEST_SECRET).toBeUndefined();
  });
});

describe("cancel", () => {
  it("cancels a build's tasks that have not started", async () => {
    const { id } = await db.one<{ id: number }>("select ds.build('t-minute', '0.1.0', '2024-06-03', '2024-06-28') as id");
    const state = await db.one<{ s: string }>("select ds.cancel($1) as s", [id]);
    expect(state.s).toBe("cancelled");
    expect((await db.one<{ s: string }>("select ds.wait($1) as s", [id])).s).toBe("cancelled");
    const active = await db.one<{ n: number }>(
      "select count(*)::int n from ds_private.build_tasks bt join ds_private.tasks t on t.id = bt.task_id where bt.build_id = $1 and t.state in ('waiting', 'queued')", [id]);
    expect(active.n).toBe(0);
  });
});
