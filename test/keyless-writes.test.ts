/**
 * Writes to a dataset without key (issue 12, item 5): a write gives each timestamp it names
 * exactly its rows for that timestamp, numbered in row_number in the order given
 * (last-write-wins replaces them; reject refuses a timestamp that has rows; merge-high-low
 * keeps one row per timestamp). ds import does the same from a CSV file.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectSqlState, useTestDatabase } from "./support/test-database.ts";
import { runDs } from "./support/run-ds.ts";

const db = useTestDatabase("keyless-writes");
const dir = mkdtempSync(join(tmpdir(), "ds-keyless-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = { version: "0.1.0", calendar: "everyday", granularity: "1d", start_date: "2024-01-01" };
beforeAll(async () => {
  for (const [name, conflict, schema] of [
    ["kw-notes", "last-write-wins", [{ name: "note", type: "str" }]],
    ["kw-once", "reject", [{ name: "note", type: "str" }]],
    ["kw-bars", "merge-high-low", [{ name: "high", type: "float" }, { name: "low", type: "float" }, { name: "close", type: "float" }]],
  ] as const) {
    await db.pool.query("select ds.register_dataset($1::jsonb)", [JSON.stringify({ ...base, name, schema, write: { conflict } })]);
  }
});

const q = async <T = Record<string, unknown>>(sql: string, params?: unknown[]) => (await db.pool.query(sql, params)).rows as T[];
const write = async (name: string, rows: unknown[]) =>
  (await q<{ written: number }>("select written::int from ds.write($1, '0.1.0', $2::jsonb)", [name, JSON.stringify(rows)]))[0]!.written;
const stored = async (table: string) =>
  (await q<{ line: string }>(`select to_char(ts at time zone 'UTC', 'MM-DD') || ' ' || row_number || ' ' || note as line from ds_data.${table} order by ts, row_number`))
    .map((r) => r.line);

describe("ds.write without key", () => {
  it("last-write-wins: stores every row of a timestamp, numbered in the order given", async () => {
    expect(await write("kw-notes", [{ ts: "2024-01-02", note: "b" }, { ts: "2024-01-02", note: "a" }, { ts: "2024-01-03", note: "c" }])).toBe(3);
    expect(await stored("kw_notes_v0_1_0")).toEqual(["01-02 1 b", "01-02 2 a", "01-03 1 c"]);
    const read = await q<{ data: unknown }>("select data from ds.data('kw-notes', '0.1.0', '2024-01-02', '2024-01-02')");
    expect(read.map((r) => r.data)).toEqual([{ note: "b" }, { note: "a" }]);
  });

  it("last-write-wins: replaces the rows of the timestamps it names, and only those", async () => {
    expect(await write("kw-notes", [{ ts: "2024-01-02", note: "z" }])).toBe(1);
    expect(await stored("kw_notes_v0_1_0")).toEqual(["01-02 1 z", "01-03 1 c"]);
    expect(await write("kw-notes", [{ ts: "2024-01-03", note: "c" }, { ts: "2024-01-03", note: "d" }])).toBe(1);
    expect(await stored("kw_notes_v0_1_0")).toEqual(["01-02 1 z", "01-03 1 c", "01-03 2 d"]);
  });

  it("last-write-wins: an identical write changes nothing", async () => {
    expect(await write("kw-notes", [{ ts: "2024-01-03", note: "c" }, { ts: "2024-01-03", note: "d" }])).toBe(0);
    expect(await stored("kw_notes_v0_1_0")).toEqual(["01-02 1 z", "01-03 1 c", "01-03 2 d"]);
  });

  it("reject: several rows of a new timestamp are stored; a timestamp with rows is refused (DS027)", async () => {
    expect(await write("kw-once", [{ ts: "2024-01-02", note: "x" }, { ts: "2024-01-02", note: "y" }])).toBe(2);
    expect(await stored("kw_once_v0_1_0")).toEqual(["01-02 1 x", "01-02 2 y"]);
    await expectSqlState(write("kw-once", [{ ts: "2024-01-02", note: "w" }]), "DS027", /a row exists at 2024-01-02/);
    expect(await stored("kw_once_v0_1_0")).toEqual(["01-02 1 x", "01-02 2 y"]);
  });

  it("merge-high-low: keeps one row per timestamp, the widest high and low", async () => {
    expect(await write("kw-bars", [{ ts: "2024-01-02", high: 5, low: 2, close: 3 }, { ts: "2024-01-02", high: 4, low: 1, close: 2 }])).toBe(1);
    expect(await write("kw-bars", [{ ts: "2024-01-02", high: 6, low: 3, close: 5 }])).toBe(1);
    expect(await q("select row_number, high, low, close from ds_data.kw_bars_v0_1_0")).toEqual([{ row_number: 1, high: 6, low: 1, close: 5 }]);
  });
});

describe("ds import without key", () => {
  function dsImport(name: string, csv: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const file = join(dir, `${name}.csv`);
    writeFileSync(file, csv);
    return runDs(["import", name, "0.1.0", file, "--database-url", db.url]);
  }

  it("imports several rows per timestamp in file order, replacing the timestamp's rows", async () => {
    const r = await dsImport("kw-notes", "ts,note\n2024-01-03,q\n2024-01-03,r\n2024-01-03,s\n2024-01-04,t\n");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await stored("kw_notes_v0_1_0")).toEqual(["01-02 1 z", "01-03 1 q", "01-03 2 r", "01-03 3 s", "01-04 1 t"]);
  });
});
