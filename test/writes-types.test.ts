/**
 * Every schema type through both write paths (issue 7, data bug 6): ds.write and ds import
 * into a dataset whose fields are all nullable (w-nullable: a null and a value of each type)
 * and into one whose fields are not (w-types). A nullable str, int, bool, date, timestamp or
 * json field used to fail with 42601 (the write statement had "case else ... end").
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectSqlState } from "./support/test-database.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";
import { runDs } from "./support/run-ds.ts";

const db = useWorkerDatabase("writes-types", { worker: false });
const dir = mkdtempSync(join(tmpdir(), "ds-types-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function dsImport(name: string, csv: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = join(dir, `${name}-${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(file, csv);
  const run = await runDs(["import", name, "0.1.0", file, "--database-url", db.url]);
  return { ...run, stderr: run.stderr.replaceAll(file, "FILE") };
}

const FIELDS = ["s", "i", "f", "n", "b", "d", "t", "j"];
const VALUES = { s: "x", i: 3, f: 1.5, n: "12.25", b: true, d: "2024-01-02", t: "2024-01-02T10:00:00Z", j: { a: [1] } };
const NULLS = Object.fromEntries(FIELDS.map((f) => [f, null]));
/** The stored row, each field as text (null stays null), so every type compares alike. */
const stored = (table: string, where: string) =>
  db.one(`select ${FIELDS.map((f) => `${f}::text`).join(", ")} from ds_data.${table} where ${where}`);
const TEXT = { s: "x", i: "3", f: "1.5", n: "12.25", b: "true", d: "2024-01-02", t: "2024-01-02 10:00:00+00", j: '{"a": [1]}' };
const CSV_VALUES = 'x,3,1.5,12.25,true,2024-01-02,2024-01-02T10:00:00Z,"{""a"": [1]}"';

describe("ds.write: every type", () => {
  it("writes a null and a value of every nullable type", async () => {
    const r = await db.one("select written::int from ds.write('w-nullable', '0.1.0', $1::jsonb)",
      [JSON.stringify([{ ts: "2024-01-02", k: "null", ...NULLS }, { ts: "2024-01-02", k: "value", ...VALUES }])]);
    expect(r).toEqual({ written: 2 });
    expect(await stored("w_nullable_v0_1_0", "k = 'null'")).toEqual(NULLS);
    expect(await stored("w_nullable_v0_1_0", "k = 'value'")).toEqual(TEXT);
  });

  it("replaces a value by a null and back (last-write-wins)", async () => {
    await db.q("select * from ds.write('w-nullable', '0.1.0', $1::jsonb)", [JSON.stringify([{ ts: "2024-01-02", k: "value", ...NULLS }])]);
    expect(await stored("w_nullable_v0_1_0", "k = 'value'")).toEqual(NULLS);
    await db.q("select * from ds.write('w-nullable', '0.1.0', $1::jsonb)", [JSON.stringify([{ ts: "2024-01-02", k: "value", ...VALUES }])]);
    expect(await stored("w_nullable_v0_1_0", "k = 'value'")).toEqual(TEXT);
  });

  it("writes a value of every type that is not nullable, and a null in the nullable one", async () => {
    await db.q("select * from ds.write('w-types', '0.1.0', $1::jsonb)", [JSON.stringify([{ ts: "2024-02-01", ...VALUES, opt: null }])]);
    expect(await stored("w_types_v0_1_0", "ts = '2024-02-01'")).toEqual(TEXT);
  });
});

describe("ds import: every type", () => {
  it("imports a null (an empty cell) and a value of every nullable type", async () => {
    const csv = `ts,k,${FIELDS.join(",")}\n2024-01-03,null,,,,,,,,\n2024-01-03,value,${CSV_VALUES}\n`;
    expect(await dsImport("w-nullable", csv)).toEqual({ code: 0, stdout: "imported 2 row(s) from 2024-01-03T00:00:00Z to 2024-01-03T00:00:00Z\n", stderr: "" });
    expect(await stored("w_nullable_v0_1_0", "ts = '2024-01-03' and k = 'null'")).toEqual(NULLS);
    expect(await stored("w_nullable_v0_1_0", "ts = '2024-01-03' and k = 'value'")).toEqual(TEXT);
  });

  it("imports a value of every type that is not nullable, and a null in the nullable one", async () => {
    const run = await dsImport("w-types", `ts,${FIELDS.join(",")},opt\n2024-02-02,${CSV_VALUES},\n`);
    expect(run.code, run.stderr).toBe(0);
    expect(await stored("w_types_v0_1_0", "ts = '2024-02-02'")).toEqual(TEXT);
    expect(await db.one("select opt from ds_data.w_types_v0_1_0 where ts = '2024-02-02'")).toEqual({ opt: null });
  });

  it("refuses a null in a field that is not nullable (DS017, the line named) and writes nothing", async () => {
    const run = await dsImport("w-types", `ts,${FIELDS.join(",")},opt\n2024-02-03,${CSV_VALUES},\n2024-02-04,${CSV_VALUES.replace("x,3,", "x,,")},\n`);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error DS017: FILE line 3: null value in column "i"/);
    expect(await db.one("select count(*)::int as n from ds_data.w_types_v0_1_0 where ts >= '2024-02-03'")).toEqual({ n: 0 });
  });

  it("ds.import_staged takes nulls of every nullable type from a staging table", async () => {
    const client = await db.pool.connect();
    try {
      await client.query("begin");
      await client.query("create temp table s (like ds_store.w_nullable_v0_1_0) on commit drop");
      await client.query("insert into s (ts, k) values ('2024-01-04', 'null')");
      expect((await client.query("select written::int from ds.import_staged('w-nullable', '0.1.0', 's'::regclass)")).rows).toEqual([{ written: 1 }]);
      await client.query("commit");
    } finally {
      await client.query("rollback").catch(() => {});
      client.release();
    }
    expect(await stored("w_nullable_v0_1_0", "ts = '2024-01-04'")).toEqual(NULLS);
  });

  it("ds.write takes both ends of int (64 bits) and refuses one past either (DS017)", async () => {
    const write = (i: string, day: string) =>
      db.q(`select * from ds.write('w-nullable', '0.1.0', $1::jsonb)`, [`[${JSON.stringify({ ts: day, k: "int8", ...NULLS }).replace('"i":null', `"i":${i}`)}]`]);
    await write("-9223372036854775808", "2024-02-01");
    await write("9223372036854775807", "2024-02-02");
    expect((await db.q("select i::text from ds_data.w_nullable_v0_1_0 where k = 'int8' order by ts")).map((r) => r.i))
      .toEqual(["-9223372036854775808", "9223372036854775807"]);
    await expectSqlState(write("-9223372036854775809", "2024-02-03"), "DS017", /integer outside the range of int \(64 bits\)/);
    await expectSqlState(write("9223372036854775808", "2024-02-03"), "DS017", /integer outside the range of int \(64 bits\)/);
  });

  it("ds.write still refuses a null where the field is not nullable (DS017)", async () => {
    await expectSqlState(db.q("select * from ds.write('w-nullable', '0.1.0', $1::jsonb)", [JSON.stringify([{ ts: "2024-01-05", k: null, ...NULLS }])]),
      "DS017", /rows\[0\]: field "k" is null but not nullable/);
  });
});
