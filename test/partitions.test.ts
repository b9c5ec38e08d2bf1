/**
 * Time partitions (issue 9, point 1; docs/storage.md): every typed table is partitioned by
 * range on ts, with a partition size per version ([storage] partition, default from the
 * granularity); partitions come with the writes that need them, in their transaction, also
 * when several writers need the same one at once; reads of a narrow range touch only its
 * partitions; ds.delete drops the partitions wholly inside its range.
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import { expectSqlState, useTestDatabase } from "./support/test-database.ts";
import { until } from "./support/until.ts";

const db = useTestDatabase("partitions");
const q = async <T = Record<string, unknown>>(sql: string, params?: unknown[]) => (await db.pool.query(sql, params)).rows as T[];

const written = { version: "0.1.0", calendar: "everyday", start_date: "2024-01-01", write: { conflict: "last-write-wins" } };
const register = (def: Record<string, unknown>) => q("select ds.register_dataset($1::jsonb)", [JSON.stringify({ ...written, ...def })]);
const partitions = async (dataset: string) =>
  (await q<{ name: string; lower: Date; upper: Date }>(
    `select p.partition_name as name, lower(p.bounds) as lower, upper(p.bounds) as upper
     from ds_private.dataset_versions v, ds_private.version_partitions(v.id) p where v.name = $1 order by p.bounds`, [dataset]))
    .map((p) => [p.name.replace(/^v\d+_/, ""), p.lower.toISOString(), p.upper.toISOString()]);
const write = (dataset: string, rows: unknown[]) => q("select * from ds.write($1, '0.1.0', $2::jsonb)", [dataset, JSON.stringify(rows)]);

describe("partitioned typed tables", () => {
  it("makes each new version's store partitioned by range on ts, with no partition until rows come; ds_data shows it as a view", async () => {
    await register({ name: "p-empty", granularity: "1d", schema: [{ name: "v", type: "float" }] });
    const [t] = await q<{ relkind: string; key: string }>(
      "select c.relkind, pg_get_partkeydef(c.oid) as key from pg_class c where c.oid = 'ds_store.p_empty_v0_1_0'::regclass");
    expect(t).toEqual({ relkind: "p", key: "RANGE (ts)" });
    const [view] = await q<{ relkind: string }>("select c.relkind from pg_class c where c.oid = 'ds_data.p_empty_v0_1_0'::regclass");
    expect(view).toEqual({ relkind: "v" });
    expect(await partitions("p-empty")).toEqual([]);
    expect(await q("select * from ds_data.p_empty")).toEqual([]);
  });

  it("derives the partition size from the granularity: a day below 1m, a month below 1h, else a year", async () => {
    for (const g of ["1s", "1m", "5m", "1h", "1d"]) await register({ name: `p-default-${g}`, granularity: g, schema: [{ name: "v", type: "float" }] });
    const rows = await q<{ name: string; p: string }>(
      "select name, partition_interval::text as p from ds_private.dataset_versions where name like 'p-default-%' order by step");
    expect(rows.map((r) => [r.name, r.p])).toEqual([
      ["p-default-1s", "1 day"], ["p-default-1m", "1 mon"], ["p-default-5m", "1 mon"], ["p-default-1h", "1 year"], ["p-default-1d", "1 year"],
    ]);
  });

  it("takes [storage] partition and retention as durations with weeks, months and years", async () => {
    const cases: [string, string][] = [["30d", "30 days"], ["1w", "7 days"], ["2 weeks", "14 days"], ["1 month", "1 mon"], ["3mo", "3 mons"],
      ["1y", "1 year"], ["2 years", "2 years"], ["6h", "06:00:00"], ["90 minutes", "01:30:00"], ["1 second", "00:00:01"]];
    for (const [text, interval] of cases) {
      expect((await q<{ i: string }>("select ds_private.parse_duration($1)::text as i", [text]))[0]!.i, text).toBe(interval);
    }
    await register({ name: "p-weekly", granularity: "1d", key: ["k"], schema: [{ name: "k", type: "str" }, { name: "v", type: "float" }],
      storage: { partition: "1 week", retention: "365 days" } });
    expect(await q("select partition_interval::text as p, retention::text as r from ds_private.dataset_versions where name = 'p-weekly'"))
      .toEqual([{ p: "7 days", r: "365 days" }]);
  });

  it("refuses a malformed [storage] or a partition shorter than the granularity (DS063), naming the field", async () => {
    const base = { name: "p-bad", granularity: "1d", schema: [{ name: "v", type: "float" }] };
    await expectSqlState(register({ ...base, storage: { partition: "1 fortnight" } }), "DS063", /invalid partition/);
    await expectSqlState(register({ ...base, storage: { retention: 30 } }), "DS063", /invalid retention/);
    await expectSqlState(register({ ...base, storage: { partition: "0d" } }), "DS063");
    await expectSqlState(register({ ...base, storage: { compress: "7d" } }), "DS063", /invalid \[storage\]/);
    const err = await expectSqlState(register({ ...base, storage: { partition: "6h" } }), "DS063", /shorter than the granularity/);
    expect((err as { detail?: string }).detail).toMatch(/field "storage.partition"/);
    expect(await q("select from ds_private.dataset_versions where name = 'p-bad'")).toEqual([]);
  });

  it("keeps a registered version's partition size fixed (DS011) and its retention changeable", async () => {
    const def = { name: "p-fixed", granularity: "1d", schema: [{ name: "v", type: "float" }], storage: { partition: "1 month" } };
    await register(def);
    await expectSqlState(register({ ...def, storage: { partition: "1 year" } }), "DS011", /storage.partition/);
    await register({ ...def, storage: { partition: "1 month", retention: "2 years" } });
    expect(await q("select retention::text as r from ds_private.dataset_versions where name = 'p-fixed'")).toEqual([{ r: "2 years" }]);
  });

  it("creates the partitions a write's rows need, and only those, aligned to Mondays and UTC months", async () => {
    await write("p-weekly", [{ ts: "2024-01-02", k: "a", v: 1 }, { ts: "2024-03-15", k: "a", v: 2 }, { ts: "2024-01-07", k: "b", v: 3 }]);
    expect(await partitions("p-weekly")).toEqual([
      ["p20240101", "2024-01-01T00:00:00.000Z", "2024-01-08T00:00:00.000Z"],
      ["p20240311", "2024-03-11T00:00:00.000Z", "2024-03-18T00:00:00.000Z"],
    ]);
    expect(await q("select count(*)::int as n from ds_data.p_weekly")).toEqual([{ n: 3 }]);
    await register({ name: "p-minute", granularity: "1m", schema: [{ name: "v", type: "float" }] });
    await write("p-minute", [{ ts: "2024-02-29T23:59:00Z", v: 1 }, { ts: "2024-03-01T00:00:00Z", v: 2 }]);
    expect(await partitions("p-minute")).toEqual([
      ["p20240201", "2024-02-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z"],
      ["p20240301", "2024-03-01T00:00:00.000Z", "2024-04-01T00:00:00.000Z"],
    ]);
  });

  it("keeps partition bounds on whole UTC months in any session time zone", async () => {
    const client = await db.pool.connect();
    try {
      await client.query("set timezone = 'America/New_York'");
      const { rows: [r] } = await client.query(
        "select lower(x) as lo, upper(x) as hi from ds_private.partition_range('1 month', '2024-03-10T12:00Z') x");
      expect([r.lo.toISOString(), r.hi.toISOString()]).toEqual(["2024-03-01T00:00:00.000Z", "2024-04-01T00:00:00.000Z"]);
    } finally {
      client.release();
    }
  });

  it("creates no partition for a write that fails: the partition goes with the rolled-back rows", async () => {
    const before = await partitions("p-weekly");
    await expectSqlState(write("p-weekly", [{ ts: "2024-06-03", k: "a", v: 1 }, { ts: "2024-06-04", k: "a", v: null }]), "DS017");
    expect(await partitions("p-weekly")).toEqual(before);
  });

  it("creates partitions for ds.import_staged", async () => {
    const client = await db.pool.connect();
    try {
      await client.query("begin");
      await client.query("create temp table staging (like ds_store.p_weekly_v0_1_0 including defaults) on commit drop");
      await client.query("insert into staging values ('2024-05-01', 'a', 1), ('2024-05-02', 'a', 2)");
      const { rows: [r] } = await client.query("select * from ds.import_staged('p-weekly', '0.1.0', 'staging')");
      expect(Number(r.written)).toBe(2);
      await client.query("commit");
    } finally {
      client.release();
    }
    expect((await partitions("p-weekly")).map((p) => p[0])).toContain("p20240429");
  });

  it("lets concurrent writers that need the same new partition both commit: the second waits for the first", async () => {
    const a = new pg.Client({ connectionString: db.url });
    const b = new pg.Client({ connectionString: db.url });
    await Promise.all([a.connect(), b.connect()]);
    try {
      await a.query("begin");
      await b.query("begin");
      await a.query("select * from ds.write('p-weekly', '0.1.0', $1::jsonb)", [JSON.stringify([{ ts: "2024-09-02", k: "a", v: 1 }])]);
      const bPid = (await b.query("select pg_backend_pid() as pid")).rows[0].pid;
      const second = b.query("select * from ds.write('p-weekly', '0.1.0', $1::jsonb)", [JSON.stringify([{ ts: "2024-09-03", k: "b", v: 2 }])]);
      // b waits for the version's table lock (SHARE UPDATE EXCLUSIVE) while a holds it
      await until("b waiting for the partition lock", async () => (await q<{ w: string }>("select wait_event_type as w from pg_stat_activity where pid = $1", [bPid]))[0]?.w === "Lock");
      await a.query("commit");
      await second;
      await b.query("commit");
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
    expect((await partitions("p-weekly")).filter((p) => p[0] === "p20240902")).toHaveLength(1);
    expect(await q("select k, v from ds_data.p_weekly where ts >= '2024-09-02' order by ts")).toEqual([{ k: "a", v: 1 }, { k: "b", v: 2 }]);
  });

  it("reads a narrow range from its partition only (EXPLAIN shows pruning; ds.data never touches the others)", async () => {
    await write("p-weekly", [{ ts: "2024-02-05", k: "a", v: 5 }, { ts: "2024-02-12", k: "a", v: 6 }]);
    const plan = (await q<{ "QUERY PLAN": string }>("explain select * from ds_data.p_weekly_v0_1_0_rows('2024-02-12', '2024-02-13')"))
      .map((r) => r["QUERY PLAN"]).join("\n");
    const scanned = (text: string) => [...new Set(text.match(/v\d+_p\d{8}/g))].map((n) => n.replace(/^v\d+_/, ""));
    expect(scanned(plan)).toEqual(["p20240212"]);
    const viewPlan = (await q<{ "QUERY PLAN": string }>("explain select * from ds_data.p_weekly where ts between '2024-02-12' and '2024-02-13'"))
      .map((r) => r["QUERY PLAN"]).join("\n");
    expect(scanned(viewPlan)).toEqual(["p20240212"]);
    // ds.data reads only the partitions of its range: another one locked exclusively does not block it
    const holder = await db.pool.connect();
    const reader = await db.pool.connect();
    try {
      const { name } = (await q<{ name: string }>(
        "select p.partition_name as name from ds_private.dataset_versions v, ds_private.version_partitions(v.id) p where v.name = 'p-weekly' and lower(p.bounds) = '2024-02-05'"))[0]!;
      await holder.query("begin");
      await holder.query(`lock table ds_partitions.${name} in access exclusive mode`);
      await reader.query("set lock_timeout = '2s'");
      const { rows } = await reader.query("select ts, data from ds.data('p-weekly', '0.1.0', '2024-02-12', '2024-02-13')");
      expect(rows.map((r) => r.data)).toEqual([{ k: "a", v: 6 }]);
      await expectSqlState(reader.query("select ts, data from ds.data('p-weekly', '0.1.0', '2024-02-01', '2024-02-13')"), "55P03");
    } finally {
      await holder.query("rollback");
      await reader.query("reset lock_timeout");
      holder.release();
      reader.release();
    }
  });

  it("drops the partitions wholly inside a ds.delete range and deletes rows from the others", async () => {
    await register({ name: "p-delete", granularity: "1d", schema: [{ name: "v", type: "float" }], storage: { partition: "1 week" } });
    const days = Array.from({ length: 21 }, (_, i) => ({ ts: new Date(Date.UTC(2024, 0, 1 + i)).toISOString(), v: i }));
    await write("p-delete", days);
    expect((await partitions("p-delete")).map((p) => p[0])).toEqual(["p20240101", "p20240108", "p20240115"]);
    // Jan 5 .. Jan 16: the week of Jan 8 is inside; Jan 5-7 and 15-16 are rows of the others
    const [d] = await q<{ deleted: string; first_ts: Date; last_ts: Date }>("select * from ds.delete('p-delete', '0.1.0', '2024-01-05', '2024-01-16')");
    expect([Number(d!.deleted), d!.first_ts.toISOString(), d!.last_ts.toISOString()]).toEqual([12, "2024-01-05T00:00:00.000Z", "2024-01-16T00:00:00.000Z"]);
    expect((await partitions("p-delete")).map((p) => p[0])).toEqual(["p20240101", "p20240115"]);
    expect((await q<{ v: number }>("select v from ds_data.p_delete order by ts")).map((r) => r.v)).toEqual([0, 1, 2, 3, 16, 17, 18, 19, 20]);
    expect(await q("select lower(r) as lo, upper(r) as hi from ds.missing('p-delete', '0.1.0', '2024-01-01', '2024-01-21') r")).toEqual([
      { lo: new Date("2024-01-05T00:00:00Z"), hi: new Date("2024-01-17T00:00:00Z") }]);
    // writing into the dropped week again brings its partition back
    await write("p-delete", [{ ts: "2024-01-10", v: 9 }]);
    expect((await partitions("p-delete")).map((p) => p[0])).toEqual(["p20240101", "p20240108", "p20240115"]);
  });

  it("never deadlocks a write with a delete that drops partitions: both take the table before the dataset", async () => {
    const [a, b, c] = [0, 1, 2].map(() => new pg.Client({ connectionString: db.url }));
    await Promise.all([a!.connect(), b!.connect(), c!.connect()]);
    const pid = async (x: pg.Client) => (await x.query("select pg_backend_pid() as pid")).rows[0].pid as number;
    const waiting = (p: number) => until(`session ${p} waiting for a lock`, async () =>
      (await q<{ w: string }>("select wait_event_type as w from pg_stat_activity where pid = $1", [p]))[0]?.w === "Lock");
    try {
      // a holds the table and the dataset (an open write); b's delete of a whole week waits
      // for the table; c's write queues behind b. When a commits, b drops the week, then c writes.
      const [bPid, cPid] = [await pid(b!), await pid(c!)];
      await a!.query("begin");
      await a!.query("select * from ds.write('p-delete', '0.1.0', $1::jsonb)", [JSON.stringify([{ ts: "2024-01-02", v: 100 }])]);
      const deleting = b!.query("select * from ds.delete('p-delete', '0.1.0', '2024-01-08', '2024-01-14')");
      await waiting(bPid);
      const writing = c!.query("select * from ds.write('p-delete', '0.1.0', $1::jsonb)", [JSON.stringify([{ ts: "2024-01-16", v: 116 }])]);
      await waiting(cPid);
      await a!.query("commit");
      const [d] = (await deleting).rows;
      expect(Number(d.deleted)).toBe(1);
      await writing;
    } finally {
      await Promise.all([a!.end(), b!.end(), c!.end()]);
    }
    // the week of 2024-01-08 had one row (2024-01-10): the delete of its days dropped it
    expect((await partitions("p-delete")).map((p) => p[0])).toEqual(["p20240101", "p20240115"]);
    expect(await q("select v from ds_data.p_delete where ts in ('2024-01-02', '2024-01-16') order by ts")).toEqual([{ v: 100 }, { v: 116 }]);
  });

  it("refuses a write that would need more than 10,000 partitions (DS064)", async () => {
    await register({ name: "p-hourly", granularity: "1h", schema: [{ name: "v", type: "float" }], storage: { partition: "1h" } });
    await expectSqlState(q("select ds_private.ensure_partitions(v.id, tstzmultirange(tstzrange('2024-01-01', '2026-01-01'))) from ds_private.dataset_versions v where v.name = 'p-hourly'"), "DS064");
    expect(await partitions("p-hourly")).toEqual([]);
  });
});
