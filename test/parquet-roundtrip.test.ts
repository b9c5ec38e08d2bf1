/**
 * Parquet (issue 10, point 3): every schema type and nulls through `ds data --format
 * parquet` and back through `ds import FILE.parquet`, exactly (timestamps to the
 * microsecond, numerics to the digit, the key included); the export read by DuckDB, an
 * independent reader, with the same rows and types; files written by DuckDB (snappy, zstd,
 * gzip; DECIMAL, TIMESTAMPTZ, naive TIMESTAMP, INTEGER, FLOAT, JSON) imported.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDs } from "./support/run-ds.ts";
import { useTestDatabase } from "./support/test-database.ts";

const db = useTestDatabase("parquet-roundtrip");
const dir = mkdtempSync(join(tmpdir(), "ds-parquet-"));
let duck: DuckDBConnection;
const q = async <T = Record<string, unknown>>(sql: string, params?: unknown[]) => (await db.pool.query(sql, params)).rows as T[];

const TYPES = { s: "str", i: "int", f: "float", n: "numeric", b: "bool", d: "date", t: "timestamp", j: "json" } as const;
const FIELDS = Object.keys(TYPES);
const base = { version: "0.1.0", calendar: "everyday", granularity: "1d", start_date: "2020-01-01", write: { conflict: "last-write-wins" } };
/** all nullable, keyed by k; and all required but opt, without key */
const nullableSchema = [{ name: "k", type: "str" }, ...FIELDS.map((f) => ({ name: f, type: TYPES[f as keyof typeof TYPES], nullable: true }))];
const requiredSchema = [...FIELDS.map((f) => ({ name: f, type: TYPES[f as keyof typeof TYPES] })), { name: "opt", type: "float", nullable: true }];

/** A JSON number written as is (JSON.rawJSON, Node >= 21: not in TypeScript's lib yet). */
const raw = (text: string) => (JSON as unknown as { rawJSON(t: string): unknown }).rawJSON(text);

/** 2999-12-31T23:59:59.999999Z is past 2^53 microseconds: the BigInt paths of both directions */
const VALUES = [
  { ts: "2024-01-02T00:00:00.000001Z", k: "edge", s: "tab\there, newline\nthen \\ and é😀", i: raw("9223372036854775807"), f: 5e-324, n: "123456789012345678901234567890123456789012345.678901234567890",
    b: true, d: "0001-01-01", t: "1969-12-31T23:59:59.999999Z", j: { big: raw("12345678901234567890.5"), s: "x\ty", a: [1, null, true] } },
  { ts: "2024-01-02T00:00:00.000001Z", k: "other", s: "", i: raw("-9223372036854775808"), f: -0.1, n: "12.2500", b: false, d: "9999-12-31", t: "2024-01-02T10:00:00.123456Z", j: "text" },
  { ts: "2024-01-03T23:59:59.999999Z", k: "round", s: "x", i: 0, f: 1.7976931348623157e308, n: "-0.000000000000000000000000000001", b: true, d: "2024-02-29", t: "2999-12-31T23:59:59.999999Z", j: [] },
];
const NULLS = { ts: "2024-01-04T12:00:00Z", k: "nulls", ...Object.fromEntries(FIELDS.map((f) => [f, null])) };
const required = VALUES.map(({ k: _k, ...v }, i) => ({ ...v, opt: i === 0 ? null : 2.5 }));

/** Each stored row as text, so that every type compares alike (and exactly). */
const stored = (table: string, columns: string[]) =>
  q(`select ${["ts", ...columns].map((c) => `${c}::text`).join(", ")} from ds_data.${table} order by 1, 2`);

async function exportFile(name: string, file: string, start = "2024-01-01", end = "2024-01-31") {
  return runDs(["data", name, "0.1.0", start, end, "--format", "parquet", "--out", file, "--database-url", db.url]);
}

beforeAll(async () => {
  for (const [name, schema, key] of [["pq-nullable", nullableSchema, ["k"]], ["pq-nullable-in", nullableSchema, ["k"]],
    ["pq-types", requiredSchema, []], ["pq-types-in", requiredSchema, []], ["pq-duck-in", requiredSchema, []]] as const) {
    await q("select ds.register_dataset($1::jsonb)", [JSON.stringify({ ...base, name, schema, key })]);
  }
  await q("select ds.write('pq-nullable', '0.1.0', $1::jsonb)", [JSON.stringify([...VALUES, NULLS])]);
  await q("select ds.write('pq-types', '0.1.0', $1::jsonb)", [JSON.stringify(required)]);
  duck = await (await DuckDBInstance.create(":memory:")).connect();
});
afterAll(() => {
  duck?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

describe("ds data --format parquet, then ds import FILE.parquet", () => {
  it("round-trips every type and nulls exactly, the key included", async () => {
    const file = join(dir, "nullable.parquet");
    const out = await exportFile("pq-nullable", file);
    expect(out).toEqual({ code: 0, stdout: `wrote 4 row(s) to ${file}\n`, stderr: "" });
    const run = await runDs(["import", "pq-nullable-in", "0.1.0", file, "--database-url", db.url]);
    expect(run).toEqual({ code: 0, stdout: "imported 4 row(s) from 2024-01-02T00:00:00.000001Z to 2024-01-04T12:00:00Z\n", stderr: "" });
    const original = await stored("pq_nullable_v0_1_0", ["k", ...FIELDS]);
    expect(await stored("pq_nullable_in_v0_1_0", ["k", ...FIELDS])).toEqual(original);
    // the values themselves, not only equal tables
    expect(original[0]).toMatchObject({ ts: "2024-01-02 00:00:00.000001+00", i: "9223372036854775807", f: "5e-324", t: "1969-12-31 23:59:59.999999+00",
      n: "123456789012345678901234567890123456789012345.678901234567890", d: "0001-01-01", j: '{"a": [1, null, true], "s": "x\\ty", "big": 12345678901234567890.5}' });
    expect(original.find((r) => r.k === "nulls")).toEqual({ ts: "2024-01-04 12:00:00+00", k: "nulls", ...Object.fromEntries(FIELDS.map((f) => [f, null])) });
  });

  it("round-trips a dataset without key, non-null columns as REQUIRED, rows in their order", async () => {
    const file = join(dir, "types.parquet");
    expect((await exportFile("pq-types", file)).code).toBe(0);
    expect((await runDs(["import", "pq-types-in", "0.1.0", file, "--database-url", db.url])).code).toBe(0);
    const columns = [...FIELDS, "opt", "row_number"];
    expect(await stored("pq_types_in_v0_1_0", columns)).toEqual(await stored("pq_types_v0_1_0", columns));
    const schema = await duck.runAndReadAll(`select name, repetition_type from parquet_schema('${file}') where name <> 'duckdb_schema'`);
    expect(schema.getRowObjectsJson().filter((r) => r.repetition_type === "OPTIONAL").map((r) => r.name)).toEqual(["opt"]);
  });

  it("writes an empty file (the schema, no row group) for a range without rows", async () => {
    const file = join(dir, "empty.parquet");
    expect((await exportFile("pq-types", file, "2023-01-01", "2023-01-31")).stdout).toBe(`wrote 0 row(s) to ${file}\n`);
    const read = await duck.runAndReadAll(`select * from read_parquet('${file}')`);
    expect([read.currentRowCount, read.columnNames()]).toEqual([0, ["ts", ...FIELDS, "opt"]]);
  });
});

describe("read by DuckDB (an independent reader)", () => {
  it("gives the same rows and these types", async () => {
    const file = join(dir, "duck.parquet");
    expect((await exportFile("pq-nullable", file)).code).toBe(0);
    const read = await duck.runAndReadAll(`select * from read_parquet('${file}')`);
    expect(Object.fromEntries(read.columnNames().map((n, i) => [n, read.columnTypes()[i]!.toString()]))).toEqual({
      ts: "TIMESTAMP WITH TIME ZONE", k: "VARCHAR", s: "VARCHAR", i: "BIGINT", f: "DOUBLE", n: "VARCHAR", b: "BOOLEAN",
      d: "DATE", t: "TIMESTAMP WITH TIME ZONE", j: "VARCHAR",
    });
    // JSON is annotated as DuckDB annotates its own JSON columns (which it too reads as VARCHAR without its json extension)
    const schema = await duck.runAndReadAll(`select converted_type, logical_type from parquet_schema('${file}') where name = 'j'`);
    expect(schema.getRowObjectsJson()).toEqual([{ converted_type: "JSON", logical_type: "JsonType()" }]);
    // DuckDB's own text of each value against PostgreSQL's (its time zone set to UTC)
    await duck.run("set TimeZone = 'UTC'");
    const duckRows = (await duck.runAndReadAll(`select ts::varchar as ts, k, s, i::varchar as i, f, n, b, d::varchar as d, t::varchar as t, j::varchar as j
      from read_parquet('${file}') order by ts, k`)).getRowObjectsJS();
    const pgRows = await q<Record<string, unknown>>(`select ts::text, k, s, i::text, f, n::text, b, d::text, t::text, j::text
      from ds_data.pq_nullable_v0_1_0 order by ts, k`);
    // DuckDB prints +00 like PostgreSQL; JSON as written (jsonb's text); doubles as numbers
    expect(duckRows.map((r) => ({ ...r, j: r.j === null ? null : JSON.stringify(JSON.parse(r.j as string)) })))
      .toEqual(pgRows.map((r) => ({ ...r, j: r.j === null ? null : JSON.stringify(JSON.parse(r.j as string)) })));
  });
});

describe("ds import of files written by DuckDB", () => {
  const select = `select timestamptz '2024-03-01 14:30:00.000123+00' as ts, 'a' as s, 42::bigint as i, 0.1::double as f,
      12.2500::decimal(38, 4) as n, true as b, date '2024-03-01' as d, timestamptz '1999-12-31 23:59:59.5+00' as t, '{"a": 1}'::json as j, null::double as opt
    union all
    select timestamptz '2024-03-02 00:00:00+00', 'b', -7, -2.5, -0.0001::decimal(38, 4), false, date '1970-01-01', timestamptz '2024-03-02 01:02:03.000004+00', '[1]'::json, 3.5`;

  for (const codec of ["snappy", "zstd", "gzip"]) {
    it(`imports DuckDB's types (DECIMAL, TIMESTAMPTZ, JSON) compressed with ${codec}`, async () => {
      const file = join(dir, `from-duckdb-${codec}.parquet`);
      await duck.run(`copy (${select}) to '${file}' (format parquet, compression ${codec})`);
      await q("delete from ds_store.pq_duck_in_v0_1_0");
      const run = await runDs(["import", "pq-duck-in", "0.1.0", file, "--database-url", db.url]);
      expect(run, run.stderr).toMatchObject({ code: 0, stdout: "imported 2 row(s) from 2024-03-01T14:30:00.000123Z to 2024-03-02T00:00:00Z\n" });
      expect(await stored("pq_duck_in_v0_1_0", [...FIELDS, "opt"])).toEqual([
        { ts: "2024-03-01 14:30:00.000123+00", s: "a", i: "42", f: "0.1", n: "12.2500", b: "true", d: "2024-03-01", t: "1999-12-31 23:59:59.5+00", j: '{"a": 1}', opt: null },
        { ts: "2024-03-02 00:00:00+00", s: "b", i: "-7", f: "-2.5", n: "-0.0001", b: "false", d: "1970-01-01", t: "2024-03-02 01:02:03.000004+00", j: "[1]", opt: "3.5" },
      ]);
    });
  }

  it("takes other tools' variants: INTEGER for int, FLOAT and DECIMAL for float, naive TIMESTAMP (as UTC), VARCHAR for numeric and json, small row groups", async () => {
    const file = join(dir, "variants.parquet");
    await duck.run(`copy (select (timestamp '2024-03-03 00:00:00' + i * interval 1 microsecond) as ts, 's' || i as s, i::integer as i, 0.5::float as f,
        (i || '.5')::varchar as n, i % 2 = 0 as b, date '2024-03-03' as d, timestamp '2024-03-03 09:30:00.25' as t, '{"i": ' || i || '}' as j, 1.25::decimal(9, 2) as opt
      from range(0, 2500) r(i)) to '${file}' (format parquet, row_group_size 1000)`);
    await q("delete from ds_store.pq_duck_in_v0_1_0");
    const run = await runDs(["import", "pq-duck-in", "0.1.0", file, "--database-url", db.url]);
    expect(run, run.stderr).toMatchObject({ code: 0, stdout: "imported 2500 row(s) from 2024-03-03T00:00:00Z to 2024-03-03T00:00:00.002499Z\n" });
    expect(await q(`select count(*)::int as rows, sum(i)::int as i, min(f) as f, max(n)::text as n, count(*) filter (where b)::int as b,
      min(t)::text as t, max((j ->> 'i')::int) as j, min(opt) as opt, count(distinct ts)::int as ts from ds_data.pq_duck_in_v0_1_0`))
      .toEqual([{ rows: 2500, i: 3123750, f: 0.5, n: "2499.5", b: 1250, t: "2024-03-03 09:30:00.25+00", j: 2499, opt: 1.25, ts: 2500 }]);
  });
});
