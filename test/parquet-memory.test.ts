/**
 * Parquet with bounded memory (issue 10, point 3): 1M rows exported by `ds data --format
 * parquet` and imported by `ds import` in child processes whose V8 heap is capped at
 * HEAP_MIB (--max-old-space-size): a process that held the rows, or the file, could not
 * finish. Their peak resident memory, read at exit (process.resourceUsage().maxRSS through
 * an --import hook), stays under BUDGET_MIB. Without a cap V8 lets the heap grow before it
 * collects: the bench (BENCH_ONLY=parquet) reports that figure for 10M rows.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "./support/run-ds.ts";
import { useTestDatabase } from "./support/test-database.ts";

const db = useTestDatabase("parquet-memory");
const dir = mkdtempSync(join(tmpdir(), "ds-parquet-memory-"));
const q = async <T = Record<string, unknown>>(sql: string, params?: unknown[]) => (await db.pool.query(sql, params)).rows as T[];

const ROWS = 1_000_000;
const HEAP_MIB = 128; // 1M rows of this schema are about 150 MiB as JavaScript values, the file 17 MiB
const BUDGET_MIB = 400; // the process at rest is about 100 MiB

/** `ds ARGS...` in a child process; its exit code, output and peak RSS in MiB. */
async function dsMeasured(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string; peakMiB: number }> {
  const hook = `data:text/javascript,process.on("exit",()=>process.stderr.write("peak-rss-kib "+process.resourceUsage().maxRSS+"\\n"))`;
  const run = await runCommand(process.execPath, [`--max-old-space-size=${HEAP_MIB}`, "--import", hook, "cli/main.ts", ...args, "--database-url", db.url]);
  const kib = Number(/peak-rss-kib (\d+)/.exec(run.stderr)?.[1]);
  return { ...run, stderr: run.stderr.replace(/peak-rss-kib \d+\n/, ""), peakMiB: Math.round(kib / 1024) };
}

const schema = [{ name: "k", type: "int" }, { name: "v", type: "float" }, { name: "note", type: "str", nullable: true }, { name: "at", type: "timestamp" }];

beforeAll(async () => {
  for (const name of ["pq-big", "pq-big-in"]) {
    await q("select ds.register_dataset($1::jsonb)", [JSON.stringify({
      name, version: "0.1.0", calendar: "everyday", granularity: "1d", start_date: "2024-01-01", key: ["k"], schema, write: { conflict: "reject" },
    })]);
  }
  const client = await db.pool.connect();
  try {
    await client.query("begin");
    await client.query("create temp table s (like ds_store.pq_big_v0_1_0 including defaults) on commit drop");
    // 10 days of 100,000 rows
    await client.query(`insert into s select timestamptz '2024-01-02' + (i / 100000) * interval '1 day', i, i * 0.25,
      case when i % 7 = 0 then null else 'note ' || i end, timestamptz '2024-01-01' + i * interval '1.000001 second'
      from generate_series(0, ${ROWS - 1}) i`);
    await client.query("select ds.import_staged('pq-big', '0.1.0', 's'::regclass)");
    await client.query("commit");
  } finally {
    client.release();
  }
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("1M rows through Parquet in bounded memory", () => {
  it("exports and imports 1M rows exactly, with the heap capped and the peak RSS under the budget", async () => {
    const file = join(dir, "big.parquet");
    const exported = await dsMeasured(["data", "pq-big", "0.1.0", "2024-01-01", "2024-01-31", "--format", "parquet", "--out", file]);
    expect(exported, exported.stderr).toMatchObject({ code: 0, stdout: `wrote ${ROWS} row(s) to ${file}\n` });
    const imported = await dsMeasured(["import", "pq-big-in", "0.1.0", file]);
    expect(imported, imported.stderr).toMatchObject({ code: 0, stdout: `imported ${ROWS} row(s) from 2024-01-02T00:00:00Z to 2024-01-11T00:00:00Z\n` });

    // every row, exactly (the microseconds of at included)
    const diff = await q(`select count(*)::int as n from ((table ds_data.pq_big_v0_1_0 except table ds_data.pq_big_in_v0_1_0)
      union all (table ds_data.pq_big_in_v0_1_0 except table ds_data.pq_big_v0_1_0)) d`);
    expect(diff).toEqual([{ n: 0 }]);

    console.log(`parquet, 1M rows, heap capped at ${HEAP_MIB} MiB: peak RSS export ${exported.peakMiB} MiB, import ${imported.peakMiB} MiB; file ${Math.round(statSync(file).size / 2 ** 20)} MiB`);
    expect(exported.peakMiB).toBeLessThan(BUDGET_MIB);
    expect(imported.peakMiB).toBeLessThan(BUDGET_MIB);
  }, 600_000);
});
