/**
 * Non-finite timestamps (issue 7, data bug 10): ds.write and ds import refuse ts =
 * 'infinity' / '-infinity' with DS035 (such a row used to be stored, invisible to coverage
 * and impossible to delete), and every function taking a range refuses an infinite bound
 * with DS035 too (a missing bound stays DS012).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectSqlState } from "./support/test-database.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";
import { runDs } from "./support/run-ds.ts";

const db = useWorkerDatabase("writes-nonfinite", { worker: false });
const dir = mkdtempSync(join(tmpdir(), "ds-nonfinite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function dsImport(name: string, csv: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = join(dir, `${name}.csv`);
  writeFileSync(file, csv);
  const run = await runDs(["import", name, "0.1.0", file, "--database-url", db.url]);
  return { ...run, stderr: run.stderr.replaceAll(file, "FILE") };
}

const tick = (ts: string, seq = 0) => ({ ts, ticker: "AAA", seq, price: 10, size: 1 });
const write = (rows: unknown[], covers: string | null = null) =>
  db.q("select * from ds.write('w-ticks', '0.1.0', $1::jsonb, $2::tstzrange)", [JSON.stringify(rows), covers]);
const state = async () => ({
  rows: (await db.one<{ n: number }>("select count(*)::int as n from ds_data.w_ticks_v0_1_0")).n,
  coverage: (await db.one<{ c: string }>("select coverage::text as c from ds.datasets where name = 'w-ticks'")).c,
});

describe("ds.write and ds import refuse a non-finite ts (DS035)", () => {
  for (const ts of ["infinity", "-infinity"]) {
    it(`ds.write refuses ts = '${ts}' and writes nothing`, async () => {
      const before = await state();
      const err = await expectSqlState(write([tick("2024-03-01T14:30:00Z"), tick(ts, 1)]), "DS035", new RegExp(`w-ticks 0.1.0: rows\\[1\\]: ts ${ts} is not a finite timestamp`));
      expect((err as { hint?: string }).hint).toMatch(/finite ISO 8601 timestamp/);
      expect(await state()).toEqual(before);
    });
  }

  it("ds import refuses an infinite ts, naming the line, and writes nothing", async () => {
    const before = await state();
    const run = await dsImport("w-ticks", "ts,ticker,seq,price,size\n2024-03-01T14:30:00Z,AAA,0,10,1\ninfinity,AAA,1,10,1\n");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error DS035: w-ticks 0\.1\.0: FILE line 3: ts infinity is not a finite timestamp/);
    expect(await state()).toEqual(before);
  });

  it("a finite write still works (and can be deleted)", async () => {
    expect(await write([tick("2024-03-01T14:30:00.5Z")])).toMatchObject([{ written: 1 }]);
    expect(await db.q("select deleted::int from ds.delete('w-ticks', '0.1.0', '2024-03-01', '2024-03-02')")).toEqual([{ deleted: 1 }]);
  });

  it("refuses covers with an infinite bound (DS035) or without a bound (DS012)", async () => {
    await expectSqlState(write([tick("2024-03-01T14:30:00Z")], "[2024-03-01, infinity)"), "DS035", /covers .*infinity is not a finite timestamp/);
    await expectSqlState(write([tick("2024-03-01T14:30:00Z")], "[2024-03-01,)"), "DS012", /covers .* is unbounded/);
  });
});

describe("range bounds: infinite is DS035, missing is DS012", () => {
  const calls: [string, string][] = [
    ["ds.data", "select * from ds.data('w-ticks', '0.1.0', $1, $2)"],
    ["ds.delete", "select * from ds.delete('w-ticks', '0.1.0', $1, $2)"],
    ["ds.build", "select ds.build('t-root', '0.1.0', $1, $2)"],
    ["ds.missing", "select * from ds.missing('t-root', '0.1.0', $1, $2)"],
    ["ds.gaps", "select * from ds.gaps('t-root', '0.1.0', $1, $2)"],
    ["ds.asof", "select * from ds.asof('w-ticks', '0.1.0', 'w-ticks', '0.1.0', $1, $2)"],
  ];
  for (const [name, sql] of calls) {
    it(`${name} refuses an infinite start or end (DS035) and a missing one (DS012)`, async () => {
      await expectSqlState(db.q(sql, ["-infinity", "2024-03-02"]), "DS035", /the range must be finite: -infinity is not a finite timestamp/);
      await expectSqlState(db.q(sql, ["2024-03-01", "infinity"]), "DS035", /infinity is not a finite timestamp/);
      await expectSqlState(db.q(sql, ["infinity", "2024-03-01"]), "DS035");
      await expectSqlState(db.q(sql, ["2024-03-01", null]), "DS012");
    });
  }
});
