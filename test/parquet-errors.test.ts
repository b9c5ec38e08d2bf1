/**
 * Bad Parquet files and bad requests (issue 10, point 3): not Parquet, truncated, wrong
 * columns or types, a null in a non-null column, a duplicate key, a bad value in a later
 * row group: each is one coded line from `ds import` and writes nothing. Bad options of
 * `ds data` are DS038 and leave no file behind.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDs } from "./support/run-ds.ts";
import { useTestDatabase } from "./support/test-database.ts";

const db = useTestDatabase("parquet-errors");
const dir = mkdtempSync(join(tmpdir(), "ds-parquet-errors-"));
let duck: DuckDBConnection;
const q = async <T = Record<string, unknown>>(sql: string, params?: unknown[]) => (await db.pool.query(sql, params)).rows as T[];

const base = { version: "0.1.0", calendar: "everyday", granularity: "1d", start_date: "2024-01-01", write: { conflict: "reject" } };
const schema = [{ name: "k", type: "str" }, { name: "v", type: "float" }, { name: "n", type: "numeric", nullable: true }];

/** A file written by DuckDB from a select of (ts, k, v, n). */
async function duckFile(name: string, select: string, options = ""): Promise<string> {
  const file = join(dir, `${name}.parquet`);
  await duck.run(`copy (${select}) to '${file}' (format parquet${options})`);
  return file;
}

const GOOD = "select timestamptz '2024-01-02 00:00:00+00' + (i * interval 1 second) as ts, 'k' || i as k, i * 0.5 as v, (i || '.25')::decimal(10, 2) as n from range(0, 3) r(i)";

async function dsImport(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = await runDs(["import", "pq-e", "0.1.0", file, "--database-url", db.url]);
  return { ...run, stderr: run.stderr.replaceAll(file, "FILE") };
}

/** Refused with `code` in one line matching `line`, and nothing was written. */
async function refused(file: string, code: string, line: RegExp): Promise<void> {
  const run = await dsImport(file);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toMatch(new RegExp(`^error ${code}: ${line.source}`));
  expect(run.stderr.trim().split("\n")).toHaveLength(1);
  expect(await q("select count(*)::int as n from ds_data.pq_e_v0_1_0")).toEqual([{ n: 0 }]);
}

beforeAll(async () => {
  await q("select ds.register_dataset($1::jsonb)", [JSON.stringify({ ...base, name: "pq-e", schema, key: ["k"] })]);
  duck = await (await DuckDBInstance.create(":memory:")).connect();
});
afterAll(() => {
  duck?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

describe("ds import FILE.parquet refuses a bad file and writes nothing", () => {
  it("a file that is not Parquet (DS055)", async () => {
    const file = join(dir, "csv.parquet");
    writeFileSync(file, "ts,k,v,n\n2024-01-02,a,1,2\n");
    await refused(file, "DS055", /FILE is not a readable Parquet file: parquet file invalid \(footer != PAR1\) \(nothing was written\)/);
  });

  it("an empty file (DS055)", async () => {
    const file = join(dir, "empty.parquet");
    writeFileSync(file, "");
    await refused(file, "DS055", /FILE is not a readable Parquet file: /);
  });

  it("a truncated file (DS055)", async () => {
    const whole = readFileSync(await duckFile("whole", GOOD));
    const file = join(dir, "truncated.parquet");
    writeFileSync(file, whole.subarray(0, Math.floor(whole.length * 0.6)));
    await refused(file, "DS055", /FILE is not a readable Parquet file: /);
  });

  it("a missing column, an unknown column (DS056)", async () => {
    await refused(await duckFile("missing", "select ts, k, v from (" + GOOD + ")"), "DS056", /FILE: no column "n" \(the file needs the columns ts, k, v, n/);
    await refused(await duckFile("unknown", "select *, 1 as extra from (" + GOOD + ")"), "DS056", /FILE: unknown column "extra"/);
  });

  it("a column of a type the field cannot take (DS056)", async () => {
    await refused(await duckFile("text-v", "select ts, k, v::varchar as v, n from (" + GOOD + ")"), "DS056",
      /FILE: column "v" is BYTE_ARRAY \(UTF8\), which a float field cannot take/);
    await refused(await duckFile("date-ts", "select ts::date as ts, k, v, n from (" + GOOD + ")"), "DS056",
      /FILE: column "ts" is INT32 \(DATE\), which a ts cannot take/);
    await refused(await duckFile("list-k", "select ts, [k] as k, v, n from (" + GOOD + ")"), "DS056", /FILE: column "k" is group/);
  });

  it("a null in a non-null column (DS017, the row named)", async () => {
    await refused(await duckFile("null-v", "select ts, k, case when k = 'k1' then null else v end as v, n from (" + GOOD + ")"), "DS017",
      /FILE row 2: null value in column "v"/);
  });

  it("a duplicate key: the dataset's conflict policy (reject: DS027)", async () => {
    await refused(await duckFile("twice", "select ts, 'same' as k, v, n from (" + GOOD + ") union all select ts, 'same', v, n from (" + GOOD + ") order by ts"), "DS027",
      /pq-e 0.1.0: a row exists at 2024-01-02T00:00:0\dZ for key \{"k": "same"\}/);
  });

  it("a bad value in a later row group: the rows already copied are not written", async () => {
    const select = "select timestamptz '2024-01-02 00:00:00+00' + (i * interval 1 second) as ts, 'k' || i as k, 1.5 as v, case when i = 2500 then 'not a number' else '1' end as n from range(0, 3000) r(i)";
    await refused(await duckFile("late", select, ", row_group_size 1000"), "DS017", /FILE row 2501, column n: invalid input syntax for type numeric/);
  });

  it("imports the good file (the checks above are not refusing everything)", async () => {
    const run = await dsImport(await duckFile("good", GOOD));
    expect(run).toEqual({ code: 0, stdout: "imported 3 row(s) from 2024-01-02T00:00:00Z to 2024-01-02T00:00:02Z\n", stderr: "" });
    expect(await q("select k, v, n::text from ds_data.pq_e_v0_1_0 order by k")).toEqual([
      { k: "k0", v: 0, n: "0.25" }, { k: "k1", v: 0.5, n: "1.25" }, { k: "k2", v: 1, n: "2.25" }]);
    await q("delete from ds_store.pq_e_v0_1_0");
  });
});

describe("options", () => {
  it("--format of ds import and ds data is checked (DS038, exit code 2 like every usage error)", async () => {
    const run = await runDs(["import", "pq-e", "0.1.0", join(dir, "x.parquet"), "--format", "xml", "--database-url", db.url]);
    expect([run.code, run.stderr]).toEqual([2, expect.stringMatching(/^error DS038: ds import: --format "xml" is not csv or parquet/)]);
    const data = await runDs(["data", "pq-e", "0.1.0", "2024-01-01", "2024-01-02", "--format", "xml", "--database-url", db.url]);
    expect([data.code, data.stderr]).toEqual([2, expect.stringMatching(/^error DS038: ds data: --format "xml" is not one of table, csv, json, parquet/)]);
  });

  it("--format parquet needs --out (DS038)", async () => {
    const run = await runDs(["data", "pq-e", "0.1.0", "2024-01-01", "2024-01-02", "--format", "parquet", "--database-url", db.url]);
    expect([run.code, run.stderr]).toEqual([2, expect.stringMatching(/^error DS038: ds data: --format parquet writes a file: give --out FILE/)]);
  });

  it("an export that fails leaves no file (DS001), and --format parquet of a CSV name is still Parquet on import", async () => {
    const out = join(dir, "never.parquet");
    const run = await runDs(["data", "pq-nope", "0.1.0", "2024-01-01", "2024-01-02", "--format", "parquet", "--out", out, "--database-url", db.url]);
    expect([run.code, run.stderr]).toEqual([1, expect.stringMatching(/^error DS001: /)]);
    expect(existsSync(out)).toBe(false);
    const named = join(dir, "parquet.csv");
    writeFileSync(named, readFileSync(await duckFile("as-csv", GOOD)));
    const imported = await runDs(["import", "pq-e", "0.1.0", named, "--format", "parquet", "--database-url", db.url]);
    expect(imported.stdout).toBe("imported 3 row(s) from 2024-01-02T00:00:00Z to 2024-01-02T00:00:02Z\n");
  });
});
