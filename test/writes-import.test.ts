/**
 * The bulk path: `ds import NAME VERSION FILE.csv` run as a child process (COPY into a
 * temporary staging table, then ds.import_staged in the same transaction), and
 * ds.import_staged called from SQL.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectSqlState } from "./support/test-database.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";
import { runDs } from "./support/run-ds.ts";

const db = useWorkerDatabase("writes-import");
const dir = mkdtempSync(join(tmpdir(), "ds-import-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function dsImport(name: string, csv: string, ...extra: string[]): Promise<Run> {
  const file = join(dir, `${name}-${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(file, csv);
  const run = await runDs(["import", name, "0.1.0", file, "--database-url", db.url, ...extra]);
  return { ...run, stderr: run.stderr.replaceAll(file, "FILE") };
}

const ticks = (where = "") => db.q(`select ts::text, ticker, seq, price, size from ds_data.w_ticks_v0_1_0 ${where} order by ts, ticker, seq`);

describe("ds import", () => {
  const good = 'ticker,ts,seq,price,size\nAAA,2024-03-01 14:30:00.000123,0,10.5,100\n"AAA",2024-03-01T14:30:00.000123Z,1,10.25,5\nBBB,2024-03-01T09:31:02.5-05:00,0,20,1\n';

  it("imports a CSV file (columns in any order, microseconds, UTC unless an offset is given)", async () => {
    const run = await dsImport("w-ticks", good);
    expect(run).toEqual({ code: 0, stdout: "imported 3 row(s) from 2024-03-01T14:30:00.000123Z to 2024-03-01T14:31:02.5Z\n", stderr: "" });
    expect(await ticks()).toEqual([
      { ts: "2024-03-01 14:30:00.000123+00", ticker: "AAA", seq: 0, price: 10.5, size: 100 },
      { ts: "2024-03-01 14:30:00.000123+00", ticker: "AAA", seq: 1, price: 10.25, size: 5 },
      { ts: "2024-03-01 14:31:02.5+00", ticker: "BBB", seq: 0, price: 20, size: 1 },
    ]);
    expect(await db.one("select coverage::text from ds.datasets where name = 'w-ticks'"))
      .toEqual({ coverage: '{["2024-03-01 14:30:00+00","2024-03-01 14:32:00+00")}' });
  });

  it("imports nothing new from the same file again", async () => {
    expect((await dsImport("w-ticks", good)).stdout).toBe("imported 0 row(s)\n");
  });

  const bad: [string, string, RegExp][] = [
    ["a value that does not parse", "ts,ticker,seq,price,size\n2024-03-01T14:33:00Z,CCC,0,1,1\n2024-03-01T14:33:00Z,CCC,1,abc,1\n",
      /^error DS017: FILE line 3, column price: invalid input syntax for type double precision: "abc" \(.*nothing was written.*\) — hint: /],
    ["NaN", "ts,ticker,seq,price,size\n2024-03-01T14:33:00Z,CCC,0,1,1\n2024-03-01T14:33:00Z,CCC,1,NaN,1\n",
      /^error DS017: w-ticks 0\.1\.0: FILE line 3: field "price" is NaN: NaN and Infinity are not allowed/],
    ["a row before the start date", "ts,ticker,seq,price,size\n2024-02-29T23:59:59Z,CCC,0,1,1\n",
      /^error DS017: w-ticks 0\.1\.0: FILE line 2: ts 2024-02-29T23:59:59Z is before the start date/],
    ["a missing cell", "ts,ticker,seq,price,size\n2024-03-01T14:33:00Z,CCC,0,1\n", /^error DS017: FILE line 2: missing data for column "size"/],
    ["an empty cell in a field that is not nullable", "ts,ticker,seq,price,size\n2024-03-01T14:33:00Z,CCC,0,1,\n",
      /^error DS017: FILE line 2: null value in column "size"/],
    ["an unknown column", "ts,ticker,seq,price,size,venue\n", /^error DS017: FILE line 1: unknown column "venue" .* — hint: Start the file with the line ts,ticker,seq,price,size\./],
    ["a missing column", "ts,ticker,seq,price\n", /^error DS017: FILE line 1: no column "size"/],
  ];
  for (const [what, csv, message] of bad) {
    it(`refuses ${what} in one line and writes nothing`, async () => {
      const run = await dsImport("w-ticks", csv);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(await ticks("where ticker = 'CCC'")).toEqual([]);
    });
  }

  it("applies the dataset's conflict policy (reject: DS027)", async () => {
    const csv = "ts,sensor,value\n2024-01-01T05:00:00Z,s1,1\n";
    expect((await dsImport("w-rejects", csv)).code).toBe(0);
    const run = await dsImport("w-rejects", csv);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error DS027: w-rejects 0\.1\.0: a row exists at 2024-01-01T05:00:00Z for key \{"sensor": "s1"\}/);
  });

  it("refuses a built dataset (DS028) and an unknown one (DS001)", async () => {
    expect((await dsImport("t-root", "ts,value\n")).stderr).toMatch(/^error DS028: t-root 0\.1\.0 is built, not written/);
    expect((await dsImport("nope", "ts,value\n")).stderr).toMatch(/^error DS001: dataset nope\/0\.1\.0 not found/);
  });

  it("--covers declares a range complete", async () => {
    const run = await dsImport("w-ticks", "ts,ticker,seq,price,size\n", "--covers", "2024-03-01T15:00Z/2024-03-01T15:09Z");
    expect(run.stdout).toBe("imported 0 row(s)\n");
    expect(await db.one("select coverage::text from ds.datasets where name = 'w-ticks'"))
      .toEqual({ coverage: '{["2024-03-01 14:30:00+00","2024-03-01 14:32:00+00"),["2024-03-01 15:00:00+00","2024-03-01 15:10:00+00")}' });
  });

  it("invalidates dependents like ds.write", async () => {
    const id = (await db.one<{ id: number }>("select ds.build('w-tick-bars', '0.1.0', '2024-03-01 14:30Z', '2024-03-01 14:31Z') as id")).id;
    expect((await db.one<{ s: string }>("select ds.wait($1, '60 seconds') as s", [id])).s).toBe("succeeded");
    await dsImport("w-ticks", "ts,ticker,seq,price,size\n2024-03-01T14:31:30Z,BBB,1,21,2\n");
    expect(await db.q("select start_at, end_at, keys from ds.stale('w-tick-bars', '0.1.0')"))
      .toEqual([{ start_at: new Date("2024-03-01T14:31:00Z"), end_at: new Date("2024-03-01T14:32:00Z"), keys: [{ ticker: "BBB" }] }]);
  });
});

describe("ds.import_staged", () => {
  it("reads only a temporary table of the caller's session (DS029)", async () => {
    await db.q("create table public.not_staging (like ds_store.w_ticks_v0_1_0)");
    await expectSqlState(db.q("select * from ds.import_staged('w-ticks', '0.1.0', 'public.not_staging')"), "DS029", /not a temporary table of this session/);
  });

  it("applies the rows of a staging table filled in SQL", async () => {
    const client = await db.pool.connect();
    try {
      await client.query("begin");
      await client.query("create temp table s (ts timestamptz, ticker text, seq bigint, price float8, size bigint) on commit drop");
      await client.query("insert into s values ('2024-03-01 14:40Z', 'DDD', 0, 1, 1), ('2024-03-01 14:40Z', 'DDD', 0, 2, 2)");
      // the later of two rows with the same (ts, key) wins (last-write-wins)
      const { rows } = await client.query("select * from ds.import_staged('w-ticks', '0.1.0', 's')");
      expect(rows).toEqual([{ written: 1, first_ts: new Date("2024-03-01T14:40:00Z"), last_ts: new Date("2024-03-01T14:40:00Z") }]);
      await client.query("create temp table t2 (ts timestamptz, ticker text) on commit drop");
      await expectSqlState(client.query("select * from ds.import_staged('w-ticks', '0.1.0', 't2')"), "DS029", /has no column seq, price, size/);
      await client.query("rollback");
    } finally {
      client.release();
    }
  });
});
