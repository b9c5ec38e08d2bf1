/**
 * SQL builders (builder = "builder.sql") and transforms ([transform]): registration,
 * ds_worker.run_sql_task through the worker, its parameters $1 $2 $3, validation (DS017, final at
 * once, nothing of the chunk stored), DS023, dry runs, and the SQL versions of the examples
 * against their TypeScript versions.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDatasetConfig, parseDatasetConfig } from "../datasets/config.ts";
import { syncDatasets } from "../datasets/sync.ts";
import { createPool } from "../db/pool.ts";
import { projectRoot } from "../db/project-root.ts";
import { BuilderPool } from "../worker/builder-pool.ts";
import { dryRunBuild } from "../worker/dry-run.ts";
import { startWorker, type RunningWorker } from "../worker/run-worker.ts";
import { expectSqlState, useTestDatabase } from "./support/test-database.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("sql-builders");

async function buildAndWait(name: string, start: string, end: string, version = "0.1.0") {
  const { id } = await db.one<{ id: number }>("select ds.build($1, $2, $3, $4) as id", [name, version, start, end]);
  const { state } = await db.one<{ state: string }>("select ds.wait($1, '60 seconds') as state", [id]);
  return { id, state, build: await db.one<{ error: string | null; tasks: number }>("select * from ds.builds where id = $1", [id]) };
}

const iso = (d: Date) => d.toISOString();
const storedDays = async (table: string) =>
  (await db.q<{ d: string }>(`select to_char(ts at time zone 'UTC', 'MM-DD') d from ds_data.${table} order by ts`)).map((r) => r.d);

/** Registers a SQL builder dataset straight through ds.register_dataset (no files needed). */
async function registerSql(name: string, sql: string, extra: Record<string, unknown> = {}) {
  const definition = {
    name, version: "0.1.0", builder: "builder.sql", builder_sql: sql, calendar: "everyday", granularity: "1d",
    start_date: "2024-01-01", chunk: 5,
    schema: [{ name: "value", type: "float", nullable: false }, { name: "amount", type: "numeric", nullable: true }],
    ...extra,
  };
  await db.q("select ds.register_dataset($1::jsonb)", [JSON.stringify(definition)]);
}

const days = "generate_series($1, $2 - interval '1 day', interval '1 day') p";

describe("SQL builders", () => {
  it("builds and reads back; a second build of the range runs nothing", async () => {
    const first = await buildAndWait("t-sql-minute", "2024-01-02", "2024-01-02 23:59Z");
    expect(first.state).toBe("succeeded");
    const rows = await db.q<{ ts: Date; data: { price: number } }>("select * from ds.data('t-sql-minute', '0.1.0', '2024-01-02 14:30Z', '2024-01-02 14:32Z')");
    expect(rows.map((r) => [iso(r.ts), r.data.price])).toEqual([0, 1, 2].map((i) => {
      const ts = new Date(Date.parse("2024-01-02T14:30:00Z") + i * 60_000);
      return [iso(ts), ts.getTime() / 60_000];
    }));
    const again = await buildAndWait("t-sql-minute", "2024-01-02", "2024-01-02 23:59Z");
    expect(again.state).toBe("succeeded");
    expect(Number(again.build.tasks)).toBe(0);
  });

  it("builds a 1m nyse dataset only inside sessions, like its TypeScript twin (early close, weekend)", async () => {
    for (const name of ["t-sql-minute", "t-minute"]) expect((await buildAndWait(name, "2024-11-27", "2024-12-02 23:59Z")).state).toBe("succeeded");
    const { expected } = await db.one<{ expected: number }>(
      "select count(*)::int as expected from ds.calendar_points('nyse', '1m', '2024-11-27', '2024-12-02 23:59Z')");
    expect(expected).toBe(390 + 210 + 390); // Wed, Fri (early close 13:00), Mon; Thanksgiving and the weekend closed
    const diff = await db.one<{ sql: number; differing: number }>(
      `with s as (select * from ds_data.t_sql_minute_v0_1_0 where ts >= '2024-11-27Z' and ts < '2024-12-03Z'),
            t as (select * from ds_data.t_minute_v0_1_0 where ts >= '2024-11-27Z' and ts < '2024-12-03Z')
       select (select count(*)::int from s) as sql,
              (select count(*)::int from ((select * from s except all select * from t) union all (select * from t except all select * from s)) d) as differing`);
    expect(diff).toEqual({ sql: expected, differing: 0 });
  });

  it("gets $1 = the chunk's first point, $2 = its end (exclusive), $3 = the start of its lookback", async () => {
    expect((await buildAndWait("t-sql-params", "2024-01-01", "2024-01-12")).state).toBe("succeeded");
    const rows = await db.q<{ d: string; s: Date; e: Date; l: Date }>(
      `select to_char(ts, 'MM-DD') d, chunk_start s, chunk_end e, lookback_start l from ds_data.t_sql_params_v0_1_0 order by ts`);
    const at = (d: string) => iso(new Date(`2024-${d}T00:00:00Z`));
    // chunks of 5 points; lookback = 3 points of t-root: the window of the first point starts 2 days before it
    // (clamped to t-root's start date in the first chunk)
    expect(rows.map((r) => [r.d, iso(r.s), iso(r.e), iso(r.l)])).toEqual([
      ...["01-01", "01-02", "01-03", "01-04", "01-05"].map((d) => [d, at("01-01"), at("01-06"), at("01-01")]),
      ...["01-06", "01-07", "01-08", "01-09", "01-10"].map((d) => [d, at("01-06"), at("01-11"), at("01-04")]),
      ...["01-11", "01-12"].map((d) => [d, at("01-11"), at("01-13"), at("01-09")]),
    ]);
  });

  it("reads its lookback window from $3 on: a moving sum equal to the TypeScript t-child's", async () => {
    for (const name of ["t-sql-sum", "t-child"]) expect((await buildAndWait(name, "2024-01-01", "2024-02-15")).state).toBe("succeeded");
    const { n, differing } = await db.one<{ n: number; differing: number }>(
      `select count(*)::int n, count(*) filter (where s.total is distinct from c.total or s.n is distinct from c.n)::int differing
       from ds_data.t_sql_sum_v0_1_0 s full join ds_data.t_child_v0_1_0 c using (ts)`);
    expect({ n, differing }).toEqual({ n: 46, differing: 0 });
    const jan3 = await db.one<{ total: number; n: number }>("select total, n::int from ds_data.t_sql_sum_v0_1_0 where ts = '2024-01-03'");
    expect(jan3).toEqual({ total: 1 + 2 + 3, n: 3 });
  });

  it("runs several statements for a chunk whose points have a built gap, each with its own $1 and $2", async () => {
    expect((await buildAndWait("t-sql-params", "2024-03-03", "2024-03-04")).state).toBe("succeeded");
    // one chunk of 5 points: 03-01, 03-02, 03-05, 03-06, 03-07 (03-03 and 03-04 are built)
    expect((await buildAndWait("t-sql-params", "2024-03-01", "2024-03-07")).state).toBe("succeeded");
    const rows = await db.q<{ d: string; s: string; e: string }>(
      `select to_char(ts, 'MM-DD') d, to_char(chunk_start, 'MM-DD') s, to_char(chunk_end, 'MM-DD') e
       from ds_data.t_sql_params_v0_1_0 where ts >= '2024-03-01' order by ts`);
    expect(rows.map((r) => `${r.d} ${r.s}..${r.e}`)).toEqual([
      "03-01 03-01..03-03", "03-02 03-01..03-03", "03-03 03-03..03-05", "03-04 03-03..03-05",
      "03-05 03-05..03-08", "03-06 03-05..03-08", "03-07 03-05..03-08",
    ]);
  });

  it("retries other database errors (a serialization failure) like builder exceptions", async () => {
    await db.q("create sequence if not exists public.t_sql_flaky_calls");
    await db.q(`create or replace function public.t_sql_flaky() returns float8 language plpgsql as $$
      begin
        if nextval('public.t_sql_flaky_calls') = 1 then raise exception 'try again' using errcode = '40001'; end if;
        return 1;
      end $$`);
    await registerSql("t-sqlflaky", `select p as ts, public.t_sql_flaky() as value, null::numeric as amount from ${days}`, { max_attempts: 2 });
    const { state } = await buildAndWait("t-sqlflaky", "2024-01-01", "2024-01-03");
    expect(state).toBe("succeeded");
    const task = await db.one<{ attempts: number }>(
      "select t.attempts from ds_private.tasks t join ds_private.dataset_versions v on v.id = t.dataset_version_id where v.name = 't-sqlflaky'");
    expect(task.attempts).toBe(2);
  });
});

describe("SQL builder output validation (DS017)", () => {
  // days 1-5 are one chunk and fail; days 6-10 are another, kept, unless every chunk fails
  const cases: [string, string, RegExp, boolean][] = [
    ["missing", `select p as ts, 1.5::float8 as value from ${days}`, /^t-sqlbad-missing 0\.1\.0: the SQL returns no column "amount"/, true],
    ["extra", `select p as ts, 1.5::float8 as value, null::numeric as amount, 1 as extra from ${days}`, /column "extra" that is not in the schema/, true],
    ["type", `select p as ts, 'x'::text as value, null::numeric as amount from ${days}`, /column "value" is text, which does not fit a field of type float/, true],
    ["tstype", `select p::date as ts, 1.5::float8 as value, null::numeric as amount from ${days}`, /column "ts" is date/, true],
    ["twice", `select p as ts, 1.5::float8 as value, 2.5::float8 as value, null::numeric as amount from ${days}`, /column "value" appears twice/, true],
    ["offgrid", `select case when p = '2024-01-03Z' then p + interval '1 hour' else p end as ts, 1.5::float8 as value, null::numeric as amount from ${days}`,
      /^t-sqlbad-offgrid 0\.1\.0 at 2024-01-03T01:00:00\.000Z: a row at a timestamp that is not one of the chunk's calendar points/, false],
    ["outside", `select p as ts, 1.5::float8 as value, null::numeric as amount
                 from generate_series($1, case when $1 = '2024-01-01Z' then $2 else $2 - interval '1 day' end, interval '1 day') p`,
      /^t-sqlbad-outside 0\.1\.0 at 2024-01-06T00:00:00\.000Z: a row at a timestamp that is not one of/, false],
    ["nan", `select p as ts, case when p = '2024-01-03Z' then 'NaN'::float8 else 1 end as value, null::numeric as amount from ${days}`,
      /^t-sqlbad-nan 0\.1\.0 at 2024-01-03T00:00:00\.000Z: field "value" is NaN: NaN and Infinity are not allowed/, false],
    ["infinity", `select p as ts, 1 as value, case when p = '2024-01-03Z' then '-Infinity' end::numeric as amount from ${days}`,
      /at 2024-01-03T00:00:00\.000Z: field "amount" is -Infinity: NaN and Infinity/, false],
    ["null", `select p as ts, case when p = '2024-01-03Z' then null else 1 end::float8 as value, 1 as amount from ${days}`,
      /^t-sqlbad-null 0\.1\.0 at 2024-01-03T00:00:00\.000Z: field "value" is null but not nullable/, false],
    // registered with key = ["value"] (without key, several rows per ts are stored)
    ["duplicate", `select p as ts, 1.5::float8 as value, null::numeric as amount from ${days} union all select '2024-01-03Z', 1.5, null where $1 = '2024-01-01Z'`,
      /^t-sqlbad-duplicate 0\.1\.0: rows rejected by the table: duplicate key value .*Key \(ts, value\)=\(2024-01-03 00:00:00\+00, 1\.5\) already exists/, false],
    ["division", `select p as ts, 1 / extract(epoch from p - '2024-01-03Z')::float8 as value, null::numeric as amount from ${days}`,
      /^t-sqlbad-division 0\.1\.0: rows rejected by the table: division by zero/, false],
  ];
  for (const [mode, sql, message, everyChunk] of cases) {
    it(`fails at once without retries and stores nothing of the chunk (${mode})`, async () => {
      const name = `t-sqlbad-${mode}`;
      await registerSql(name, sql, mode === "duplicate" ? { key: ["value"] } : {});
      const { state, build } = await buildAndWait(name, "2024-01-01", "2024-01-10");
      expect(state).toBe("failed");
      expect(build.error).toMatch(message);
      expect(await storedDays(`t_sqlbad_${mode}_v0_1_0`)).toEqual(everyChunk ? [] : ["01-06", "01-07", "01-08", "01-09", "01-10"]);
      const tasks = await db.q<{ state: string; attempts: number }>(
        `select t.state, t.attempts from ds_private.tasks t join ds_private.dataset_versions v on v.id = t.dataset_version_id
         where v.name = $1 and t.state = 'failed'`, [name]);
      expect(tasks.length).toBeGreaterThan(0);
      for (const t of tasks) expect(t.attempts).toBe(1); // max-attempts is 3: not retried
    });
  }

  it("rejects rows outside the sessions of a 1m nyse dataset", async () => {
    await registerSql("t-sqlbad-closed", "select p as ts, 1.5::float8 as value, null::numeric as amount from generate_series($1, $2 - interval '1 minute', interval '1 minute') p",
      { calendar: "nyse", granularity: "1m", start_date: "2024-01-02", chunk: 1000 });
    const { state, build } = await buildAndWait("t-sqlbad-closed", "2024-01-02", "2024-01-04");
    expect(state).toBe("failed");
    expect(build.error).toMatch(/^t-sqlbad-closed 0\.1\.0 at 2024-01-02T21:00:00\.000Z: a row at a timestamp that is not one of the chunk's calendar points/);
  });
});

describe("registration of SQL builders and transforms", () => {
  it("config.toml: a .sql builder's text is read at sync; [transform] replaces the builder", () => {
    const sum = loadDatasetConfig(join(fixtureBuilders, "t-sql-sum", "0.1.0", "config.toml"));
    expect(sum.builder).toBe("builder.sql");
    expect(sum.builder_sql).toMatch(/^-- The window of a point T[\s\S]*group by p\.ts;\n$/);
    const copy = loadDatasetConfig(join(fixtureBuilders, "t-sql-copy", "0.1.0", "config.toml"));
    expect(copy).toMatchObject({ builder: null, transform: { kind: "copy", source: "t-root" } });
    expect(copy).not.toHaveProperty("builder_sql");
    const toml = (extra: string) => `name = "x"\nversion = "0.1.0"\ncalendar = "everyday"\ngranularity = "1d"\nstart-date = 2024-01-01\n${extra}\n[schema]\nv = "float"\n`;
    expect(() => parseDatasetConfig(toml(`builder = "builder.sql"\n[transform]\nkind = "copy"`), "x.toml")).toThrow(/builder "builder.sql" and \[transform\] are exclusive/);
    expect(() => parseDatasetConfig(toml(`[transform]\nsource = "a"`), "x.toml")).toThrow(/x\.toml: field "transform\.kind"/);
    expect(parseDatasetConfig(toml(`[transform]\nkind = "copy"\nsince = 2024-01-02`), "x.toml").transform).toEqual({ kind: "copy", since: "2024-01-02" });
  });

  it("stores the text of builder.sql without its trailing semicolon, and updates it in place", async () => {
    const v = await db.one<{ builder: string; builder_sql: string }>(
      "select builder, builder_sql from ds_private.dataset_versions where name = 't-sql-sum'");
    expect(v.builder).toBe("builder.sql");
    expect(v.builder_sql).toMatch(/^-- The window of a point T/);
    expect(v.builder_sql).toMatch(/group by p\.ts$/);
    await registerSql("t-sqlinplace", `select p as ts, 1 as value, null::numeric as amount from ${days}`);
    const again = await db.one<{ r: unknown }>("select ds.register_dataset($1::jsonb) as r", [JSON.stringify({
      name: "t-sqlinplace", version: "0.1.0", builder: "builder.sql", builder_sql: `select p as ts, 2 as value, null::numeric as amount from ${days};\n`,
      calendar: "everyday", granularity: "1d", start_date: "2024-01-01", chunk: 5,
      schema: [{ name: "value", type: "float", nullable: false }, { name: "amount", type: "numeric", nullable: true }],
    })]);
    expect(again.r).toEqual({ registered: [], updated: ["t-sqlinplace@0.1.0"], unchanged: [] });
  });

  it("refuses SQL that does not compile, naming the dataset (DS019)", async () => {
    const err = await expectSqlState(registerSql("t-sqlsyntax", "select p as ts, 1 as value from nowhere"), "DS019", /builder SQL does not compile/);
    expect((err as { detail?: string }).detail).toMatch(/dataset "t-sqlsyntax" version "0.1.0", field "builder": relation "nowhere" does not exist/);
  });

  it("refuses a .sql builder without its text, and builder_sql with a TypeScript builder (DS019)", async () => {
    await expectSqlState(db.q("select ds.register_dataset($1::jsonb)", [JSON.stringify({
      name: "t-sqlnotext", version: "0.1.0", builder: "builder.sql", calendar: "everyday", granularity: "1d", start_date: "2024-01-01",
      schema: [{ name: "value", type: "float" }] })]), "DS019", /builder SQL is missing/);
    await expectSqlState(db.q("select ds.register_dataset($1::jsonb)", [JSON.stringify({
      name: "t-sqlnotext", version: "0.1.0", builder_sql: "select 1", calendar: "everyday", granularity: "1d", start_date: "2024-01-01",
      schema: [{ name: "value", type: "float" }] })]), "DS019", /builder_sql without a \.sql builder/);
  });

  const transform = (kind: string, extra: Record<string, unknown> = {}) => JSON.stringify({
    name: "t-sqltransform", version: "0.1.0", calendar: "everyday", granularity: "1d", start_date: "2024-01-01",
    schema: [{ name: "value", type: "float" }], dependencies: [{ name: "t-root", version: "0.1.0" }],
    transform: { kind, source: "t-root" }, ...extra,
  });

  it("refuses an unknown transform, listing the known ones (DS023)", async () => {
    const err = await expectSqlState(db.q("select ds.register_dataset($1::jsonb)", [transform("no-such-thing")]), "DS023", /unknown transform 'no-such-thing'/);
    expect((err as { hint?: string }).hint).toMatch(/^Known transforms: .*\bcopy\b/);
    expect((err as { detail?: string }).detail).toMatch(/^dataset "t-sqltransform" version "0.1.0", field "transform.kind"/);
  });

  it("refuses a builder next to a transform, and invalid copy parameters (DS019)", async () => {
    await expectSqlState(db.q("select ds.register_dataset($1::jsonb)", [transform("copy", { builder: "builder.sql" })]), "DS019", /exclusive/);
    await expectSqlState(db.q("select ds.register_dataset($1::jsonb)", [transform("copy", { transform: { kind: "copy", source: "t-child" } })]),
      "DS019", /invalid copy transform/);
  });

  it("a transform runs like a SQL builder: copy, at its own calendar points", async () => {
    const v = await db.one<{ builder: string; transform: unknown }>("select builder, transform from ds_private.dataset_versions where name = 't-sql-copy'");
    expect(v).toEqual({ builder: "transform:copy", transform: { kind: "copy", source: "t-root" } });
    expect((await buildAndWait("t-sql-copy", "2024-01-01", "2024-01-31")).state).toBe("succeeded");
    const copy = await db.one<{ n: number; differing: number }>(
      `select count(*)::int n, count(*) filter (where c.value is distinct from r.value)::int differing
       from ds_data.t_sql_copy_v0_1_0 c left join ds_data.t_root_v0_1_0 r using (ts)`);
    expect(copy).toEqual({ n: 31, differing: 0 });
    // nyse 1h on t-minute: the minutes that are hours of a session (14:30-21:00 UTC in January)
    expect((await buildAndWait("t-sql-hourly", "2024-01-02", "2024-01-02 23:59Z")).state).toBe("succeeded");
    const hours = await db.q<{ h: string; price: number }>("select to_char(ts, 'HH24:MI') h, price from ds_data.t_sql_hourly_v0_1_0 order by ts");
    expect(hours.map((r) => r.h)).toEqual(["15:00", "16:00", "17:00", "18:00", "19:00", "20:00"]);
    expect(hours[0]!.price).toBe(Date.parse("2024-01-02T15:00:00Z") / 60_000);
  });
});

describe("dry runs of SQL builders", () => {
  it("build in the caller's transaction and leave nothing after the rollback", async () => {
    const client = await db.pool.connect();
    try {
      await client.query("begin");
      const { chunks } = await dryRunBuild(client, new BuilderPool({ size: 1 }), fixtureBuilders, "t-sql-sum", "0.1.0", "2024-06-01", "2024-06-10");
      expect(chunks).toBeGreaterThanOrEqual(3); // t-root (TypeScript) and t-sql-sum chunks
      const inside = await client.query("select count(*)::int n from ds_data.t_sql_sum_v0_1_0 where ts >= '2024-06-01'");
      expect(inside.rows[0].n).toBe(10);
      await client.query("rollback");
    } finally {
      client.release();
    }
    const after = await db.one<{ n: number }>("select count(*)::int n from ds_data.t_sql_sum_v0_1_0 where ts >= '2024-06-01'");
    expect(after.n).toBe(0);
  });
});

describe("SQL versions of the example datasets", () => {
  const ex = useTestDatabase("sql-examples");
  let worker: RunningWorker;
  const builders = join(projectRoot(), "builders");
  beforeAll(async () => {
    await ex.pool.end();
    ex.pool = createPool(ex.url, { max: 8 });
    await syncDatasets(ex.pool, builders);
    worker = await startWorker({ pool: ex.pool, connectionString: ex.url, buildersDir: builders, log: () => {} });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  for (const [dataset, fields] of [["mock-daily-close", "ticker, close"], ["mock-multi-close", "ticker, close"], ["mock-moving-avg", "ticker, close_avg, points"]] as const) {
    it(`${dataset} 0.2.0 (SQL) has the values of 0.1.0 (TypeScript), to the last bit`, async () => {
      for (const version of ["0.1.0", "0.2.0"]) {
        const { rows } = await ex.pool.query("select ds.build($1, $2, '2024-01-01', '2024-03-31') as id", [dataset, version]);
        const waited = await ex.pool.query("select ds.wait($1, '60 seconds') as state", [rows[0].id]);
        expect(waited.rows[0].state).toBe("succeeded");
      }
      const table = (v: string) => `ds_data.${dataset.replaceAll("-", "_")}_v${v}`;
      const { rows } = await ex.pool.query(
        `select (select count(*)::int from ${table("0_2_0")}) as n,
                (select count(*)::int from ((select ts, ${fields} from ${table("0_1_0")} except all select ts, ${fields} from ${table("0_2_0")})
                 union all (select ts, ${fields} from ${table("0_2_0")} except all select ts, ${fields} from ${table("0_1_0")})) d) as differing`);
      expect(rows[0].n).toBe(dataset === "mock-multi-close" ? 3 * 91 : 91); // 91 days, 3 tickers in mock-multi-ohlc
      expect(rows[0].differing).toBe(0);
    });
  }
});
