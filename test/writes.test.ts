/**
 * Datasets written from outside (ds.write): registration, validation (DS017, nothing
 * written), the three conflict policies, ticks with microsecond timestamps and several rows
 * per timestamp, coverage, and refusals (DS026 build, DS028 write into a built dataset).
 */
import { describe, expect, it } from "vitest";
import { parseDatasetConfig } from "../datasets/config.ts";
import { expectSqlState } from "./support/test-database.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("writes", { worker: false });

const write = (dataset: string, rows: unknown, covers?: string) =>
  db.one<{ written: number; first_ts: Date | null; last_ts: Date | null }>(
    "select * from ds.write($1, '0.1.0', $2::jsonb, $3::tstzrange)", [dataset, JSON.stringify(rows), covers ?? null]);

const count = async (table: string) => Number((await db.one<{ n: string }>(`select count(*) as n from ds_data.${table}`)).n);
const coverage = async (name: string) =>
  (await db.one<{ c: string }>("select coverage::text as c from ds.datasets where name = $1", [name])).c;

describe("registration of a dataset written from outside", () => {
  it("stores builder 'external' and the conflict policy", async () => {
    const rows = await db.q("select name, builder, conflict from ds.datasets where name in ('w-bars', 'w-ticks', 'w-rejects') order by name");
    expect(rows).toEqual([
      { name: "w-bars", builder: "external", conflict: "merge-high-low" },
      { name: "w-rejects", builder: "external", conflict: "reject" },
      { name: "w-ticks", builder: "external", conflict: "last-write-wins" },
    ]);
  });

  it("refuses a builder or a transform next to [write] (DS019)", () => {
    const base = 'name = "a"\nversion = "0.1.0"\ncalendar = "everyday"\ngranularity = "1d"\nstart-date = 2024-01-01\n[schema]\nv = "float"\n';
    expect(parseDatasetConfig(base + "[write]\n", "x.toml")).toMatchObject({ builder: null, write: { conflict: "last-write-wins" } });
    expect(() => parseDatasetConfig(base.replace("[schema]", 'builder = "builder.ts"\n[schema]') + "[write]\n", "x.toml")).toThrow(/has no builder/);
    expect(() => parseDatasetConfig(base + '[write]\nconflict = "first-wins"\n', "x.toml")).toThrow(/write\.conflict/);
    expect(() => parseDatasetConfig(base + '[refresh]\nschedule = "every minute"\n', "x.toml")).toThrow(/refresh\.schedule/);
  });

  it("refuses merge-high-low without numeric high and low, [refresh] on a written dataset, and dependencies (DS019)", async () => {
    const def = { name: "w-bad", version: "0.1.0", calendar: "everyday", granularity: "1d", start_date: "2024-01-01",
      schema: [{ name: "high", type: "float" }], write: { conflict: "merge-high-low" } };
    const err = await expectSqlState(db.q("select ds.register_dataset($1::jsonb)", [JSON.stringify(def)]), "DS019", /merge-high-low/);
    expect((err as { detail?: string }).detail).toMatch(/field "write.conflict"/);
    await expectSqlState(db.q("select ds.register_dataset($1::jsonb)", [JSON.stringify({ ...def, write: {}, refresh: { on_write: true } })]), "DS019", /not refreshed/);
    await expectSqlState(db.q("select ds.register_dataset($1::jsonb)",
      [JSON.stringify({ ...def, write: {}, dependencies: [{ name: "t-root", version: "0.1.0" }] })]), "DS019", /no dependencies/);
  });

  it("refuses to build it (DS026) and to write into a built dataset (DS028)", async () => {
    const err = await expectSqlState(db.q("select ds.build('w-ticks', '0.1.0', '2024-03-01', '2024-03-02')"), "DS026", /written, not built/);
    expect((err as { hint?: string }).hint).toMatch(/ds\.write.*ds import/);
    await expectSqlState(db.q("select ds.refresh('w-ticks', '0.1.0')"), "DS026");
    await expectSqlState(write("t-root", [{ ts: "2024-01-01", value: 1 }]), "DS028", /built, not written/);
  });
});

describe("ds.write validation", () => {
  const good = { ts: "2024-01-02", s: "x", i: 3, f: 1.5, n: "12.25", b: true, d: "2024-01-02", t: "2024-01-02T10:00:00Z", j: { a: [1] }, opt: null };
  const cases: [string, unknown, RegExp][] = [
    ["not an array", { ts: "2024-01-02" }, /rows: expected a JSON array of objects, got object/],
    ["a row that is not an object", [good, 5], /rows\[1\]: is number, not an object/],
    ["a missing field", [{ ...good, f: undefined }], /rows\[0\]: has no field "f"/],
    ["a missing ts", [{ ...good, ts: undefined }], /rows\[0\]: has no field "ts"/],
    ["an extra field", [good, { ...good, ts: "2024-01-03", extra: 1 }], /rows\[1\]: has a field "extra" that is not in the schema/],
    ["a null in a field that is not nullable", [{ ...good, s: null }], /rows\[0\]: field "s" is null but not nullable/],
    ["a string for an int", [{ ...good, i: "3" }], /rows\[0\]: field "i" \(int\): expected an integer, got "3"/],
    ["1.5 for an int", [{ ...good, i: 1.5 }], /field "i" \(int\): expected an integer, got 1.5/],
    ["an int beyond 64 bits", [{ ...good, i: 1e19 }], /field "i" \(int\): integer outside the range/],
    ["NaN for a float", [{ ...good, f: "NaN" }], /field "f" \(float\): NaN and Infinity are not allowed/],
    ["a string for a float", [{ ...good, f: "abc" }], /field "f" \(float\): expected a number, got "abc"/],
    ["Infinity for a numeric", [{ ...good, n: "Infinity" }], /field "n" \(numeric\): NaN and Infinity are not allowed/],
    ["a number for a bool", [{ ...good, b: 1 }], /field "b" \(bool\): expected true or false/],
    ["a date that is not YYYY-MM-DD", [{ ...good, d: "2024/01/02" }], /field "d" \(date\): expected a YYYY-MM-DD string/],
    ["a date that does not exist", [good, { ...good, ts: "2024-01-03", d: "2024-02-30" }], /rows\[1\]: field "d" \(date\): date\/time field value out of range/],
    ["a ts that is not a timestamp", [{ ...good, ts: "yesterday-ish" }], /rows\[0\]: ts: invalid input syntax/],
    ["a float beyond double precision", JSON.stringify([{ ...good, f: 0 }]).replace('"f":0', '"f":1e400'), /rows\[0\]: field "f" \(float\): "1000…" is out of range for type double precision/],
    ["a ts before the start date", [good, { ...good, ts: "2023-12-31T23:59:59Z" }], /rows\[1\]: ts 2023-12-31T23:59:59Z is before the start date 2024-01-01T00:00:00Z/],
  ];
  for (const [what, rows, message] of cases) {
    it(`refuses ${what} (DS017) and writes nothing`, async () => {
      const before = await coverage("w-types");
      const json = typeof rows === "string" ? rows : JSON.stringify(rows);
      const err = await expectSqlState(db.q("select * from ds.write('w-types', '0.1.0', $1::jsonb)", [json]), "DS017", message);
      expect((err as { detail?: string }).detail).toMatch(/nothing was written/);
      expect(await count("w_types_v0_1_0")).toBe(0);
      expect(await coverage("w-types")).toBe(before);
    });
  }

  it("writes every type, JSON null as SQL null, naive timestamps as UTC", async () => {
    const r = await write("w-types", [good, { ...good, ts: "2024-01-03 12:00", i: 2 ** 40, j: "text", opt: 2.5 }]);
    expect(r).toEqual({ written: 2, first_ts: new Date("2024-01-02T00:00:00Z"), last_ts: new Date("2024-01-03T12:00:00Z") });
    const rows = await db.q("select ts, s, i, f, n, b, d::text, t, j, opt from ds_data.w_types_v0_1_0 order by ts");
    expect(rows).toEqual([
      { ts: new Date("2024-01-02T00:00:00Z"), s: "x", i: 3, f: 1.5, n: "12.25", b: true, d: "2024-01-02", t: new Date("2024-01-02T10:00:00Z"), j: { a: [1] }, opt: null },
      { ts: new Date("2024-01-03T12:00:00Z"), s: "x", i: 2 ** 40, f: 1.5, n: "12.25", b: true, d: "2024-01-02", t: new Date("2024-01-02T10:00:00Z"), j: "text", opt: 2.5 },
    ]);
    // coverage: the daily slots that hold rows
    expect(await coverage("w-types")).toBe('{["2024-01-02 00:00:00+00","2024-01-04 00:00:00+00")}');
  });
});

describe("conflict policies", () => {
  it("last-write-wins replaces a stored row, keeps the last of duplicates, and skips identical rows", async () => {
    const tick = { ts: "2024-03-01T14:30:00.000001Z", ticker: "AAA", seq: 0, price: 10, size: 1 };
    expect((await write("w-ticks", [tick])).written).toBe(1);
    expect((await write("w-ticks", [{ ...tick, price: 11 }, { ...tick, price: 12 }])).written).toBe(1);
    expect(await db.q("select price from ds_data.w_ticks_v0_1_0 where ticker = 'AAA'")).toEqual([{ price: 12 }]);
    expect(await write("w-ticks", [{ ...tick, price: 12 }])).toEqual({ written: 0, first_ts: null, last_ts: null });
  });

  it("stores ticks: several rows per microsecond timestamp told apart by the key", async () => {
    const ts = "2024-03-01T14:31:07.123456Z";
    const r = await write("w-ticks", [0, 1, 2].map((seq) => ({ ts, ticker: "BBB", seq, price: 20 + seq, size: 5 })));
    expect(r.written).toBe(3);
    const rows = await db.q<{ ts: string }>("select ts::text as ts, seq from ds_data.w_ticks_v0_1_0 where ticker = 'BBB' order by seq");
    expect(rows.map((x) => x.ts)).toEqual(Array(3).fill("2024-03-01 14:31:07.123456+00"));
    // the 1-minute slots that hold rows are covered
    expect(await coverage("w-ticks")).toBe('{["2024-03-01 14:30:00+00","2024-03-01 14:32:00+00")}');
    const missing = await db.q("select r::text from ds.missing('w-ticks', '0.1.0', '2024-03-01 14:30Z', '2024-03-01 14:33Z') r");
    expect(missing).toEqual([{ r: '["2024-03-01 14:32:00+00","2024-03-01 14:34:00+00")' }]);
  });

  it("covers adds the calendar slots of a range the writer declares complete", async () => {
    const r = await write("w-ticks", [], "[2024-03-01 14:32Z, 2024-03-01 14:40Z)");
    expect(r.written).toBe(0);
    expect(await coverage("w-ticks")).toBe('{["2024-03-01 14:30:00+00","2024-03-01 14:40:00+00")}');
    // ds.gaps counts a row for the point of its slot: 14:30 and 14:31 have rows, the rest is covered but empty
    expect(await db.q("select * from ds.gaps('w-ticks', '0.1.0', '2024-03-01 14:30Z', '2024-03-01 14:41Z')")).toEqual([
      { kind: "empty", from_ts: new Date("2024-03-01T14:32:00Z"), to_ts: new Date("2024-03-01T14:39:00Z"), points: 8 },
      { kind: "missing", from_ts: new Date("2024-03-01T14:40:00Z"), to_ts: new Date("2024-03-01T14:41:00Z"), points: 2 },
    ]);
  });

  it("merge-high-low keeps the greatest high and the least low; the other fields take the new value", async () => {
    const bar = { ts: "2024-03-01T14:30:00Z", ticker: "AAA", open: 10, high: 12, low: 9, close: 11, volume: 100 };
    await write("w-bars", [bar]);
    await write("w-bars", [{ ...bar, open: 10.5, high: 11, low: 8, close: 10, volume: 150 }]);
    expect(await db.q("select open, high, low, close, volume from ds_data.w_bars_v0_1_0")).toEqual([
      { open: 10.5, high: 12, low: 8, close: 10, volume: 150 },
    ]);
    // duplicates in one write merge the same way
    await write("w-bars", [{ ...bar, high: 13, low: 9, close: 12 }, { ...bar, high: 12.5, low: 8.5, close: 12.25 }]);
    expect(await db.q("select open, high, low, close, volume from ds_data.w_bars_v0_1_0")).toEqual([
      { open: 10, high: 13, low: 8, close: 12.25, volume: 100 },
    ]);
  });

  it("reject refuses a stored (ts, key) with DS027 naming it, and writes nothing of the batch", async () => {
    await write("w-rejects", [{ ts: "2024-01-01T05:00:00Z", sensor: "s1", value: 1 }]);
    const err = await expectSqlState(
      write("w-rejects", [{ ts: "2024-01-01T06:00:00Z", sensor: "s1", value: 2 }, { ts: "2024-01-01T05:00:00Z", sensor: "s1", value: 3 }]),
      "DS027", /w-rejects 0\.1\.0: a row exists at 2024-01-01T05:00:00Z for key \{"sensor": "s1"\}/);
    expect((err as { detail?: string }).detail).toMatch(/reject/);
    expect(await db.q("select ts, value from ds_data.w_rejects_v0_1_0")).toEqual([{ ts: new Date("2024-01-01T05:00:00Z"), value: 1 }]);
    // the same (ts, key) twice in one write
    await expectSqlState(write("w-rejects", [{ ts: "2024-01-01T07:00:00Z", sensor: "s2", value: 1 }, { ts: "2024-01-01T07:00:00Z", sensor: "s2", value: 1 }]),
      "DS027", /07:00:00Z for key \{"sensor": "s2"\}/);
    expect(await count("w_rejects_v0_1_0")).toBe(1);
    expect(await coverage("w-rejects")).toBe('{["2024-01-01 05:00:00+00","2024-01-01 06:00:00+00")}');
  });

  it("reads written rows back with ds.data, and build => true reads what is there", async () => {
    const rows = await db.q("select * from ds.data('w-rejects', '0.1.0', '2024-01-01', '2024-01-02', build => true)");
    expect(rows).toEqual([{ ts: new Date("2024-01-01T05:00:00Z"), data: { sensor: "s1", value: 1 } }]);
  });
});

describe("roles", () => {
  it("ds_builder may write and import, ds_reader may read stale points but not write (42501)", async () => {
    const client = await db.pool.connect();
    try {
      await client.query("set role ds_reader");
      await expectSqlState(client.query("select * from ds.write('w-rejects', '0.1.0', '[]')"), "42501");
      expect((await client.query("select * from ds.stale('w-rejects', '0.1.0')")).rows).toEqual([]);
      await client.query("reset role");
      await client.query("set role ds_builder");
      await client.query("begin");
      expect((await client.query("select written from ds.write('w-rejects', '0.1.0', '[{\"ts\": \"2024-01-02T00:00:00Z\", \"sensor\": \"r\", \"value\": 1}]')")).rows)
        .toEqual([{ written: 1 }]);
      await client.query("create temp table staging (like ds_store.w_rejects_v0_1_0) on commit drop");
      await client.query("insert into staging values ('2024-01-02T01:00:00Z', 'r', 2)");
      expect((await client.query("select written from ds.import_staged('w-rejects', '0.1.0', 'staging')")).rows).toEqual([{ written: 1 }]);
      await client.query("rollback");
    } finally {
      await client.query("rollback").catch(() => {});
      await client.query("reset role");
      client.release();
    }
  });
});
