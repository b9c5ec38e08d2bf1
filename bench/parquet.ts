/**
 * Benchmark of Parquet (issue 10, point 3): BENCH_PARQUET_ROWS (10,000,000) trades of 20
 * tickers exported by `ds data --format parquet` and imported back by `ds import` into an
 * empty twin dataset, each as the real CLI in a child process (no heap cap), with rows/s
 * and peak resident memory (process.resourceUsage().maxRSS at exit); next to a raw binary
 * `COPY ... TO STDOUT` of the same rows drained in Node (what leaving PostgreSQL costs at
 * best) and DuckDB reading the file (a count and a sum, checked against PostgreSQL's).
 * Informational: no target.
 *
 *   BENCH_ONLY=parquet npm run bench
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { projectRoot } from "../db/project-root.ts";
import type { BenchDatabase } from "./bench-database.ts";
import { envNumber } from "./env-number.ts";
import { formatNumber, heading, note, table } from "./report.ts";
import { now } from "./stats.ts";

const TICKERS = 20;
const SCHEMA = [{ name: "ticker", type: "str" }, { name: "seq", type: "int" }, { name: "price", type: "float" }, { name: "size", type: "int" },
  { name: "venue", type: "str", nullable: true }];

export interface ParquetStep {
  step: string;
  rows: number;
  seconds: number;
  rowsPerSec: number;
  peakRssMiB: number | null;
  /** CPU seconds of the ds process (user + system), null for steps without one: less noisy than wall time on a busy machine. */
  cpuSeconds: number | null;
}

export interface ParquetResult {
  rows: number;
  fileMiB: number;
  steps: ParquetStep[];
  sameRows: boolean;
}

/** `ds ARGS...` as a child process; its wall time, peak RSS (MiB) and CPU time, or the error with its output. */
function dsChild(args: string[]): Promise<{ ms: number; peakMiB: number; cpuMs: number }> {
  const hook = `data:text/javascript,process.on("exit",()=>{const u=process.resourceUsage();process.stderr.write("peak-rss-kib "+u.maxRSS+" cpu-us "+(u.userCPUTime+u.systemCPUTime)+"\\n")})`;
  return new Promise((resolve, reject) => {
    const t0 = now();
    const child = spawn(process.execPath, ["--import", hook, "cli/main.ts", ...args], { cwd: projectRoot(), env: { ...process.env, DS_DEBUG: "" } });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.resume();
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`ds ${args.join(" ")} exited with ${code}: ${stderr}`));
      const m = /peak-rss-kib (\d+) cpu-us (\d+)/.exec(stderr);
      resolve({ ms: now() - t0, peakMiB: Math.round(Number(m?.[1]) / 1024), cpuMs: Number(m?.[2]) / 1000 });
    });
  });
}

/** Drains a binary COPY of the rows in Node: the floor of any export. */
async function rawCopy(pool: pg.Pool, table: string): Promise<number> {
  const client = await pool.connect();
  try {
    const t0 = now();
    const stream = client.query(copyTo(`copy (select * from ds_data.${table}) to stdout (format binary)`));
    for await (const _ of stream) { /* drained */ }
    return now() - t0;
  } finally {
    client.release();
  }
}

const step = (name: string, rows: number, ms: number, child?: { peakMiB: number; cpuMs: number }): ParquetStep => ({
  step: name, rows, seconds: Number((ms / 1000).toFixed(2)), rowsPerSec: Math.round(rows / (ms / 1000)),
  peakRssMiB: child?.peakMiB ?? null, cpuSeconds: child ? Number((child.cpuMs / 1000).toFixed(2)) : null,
});

export async function measureParquet(db: BenchDatabase, rows = envNumber("BENCH_PARQUET_ROWS", 10_000_000), log: (line: string) => void = console.log): Promise<ParquetResult> {
  const dir = mkdtempSync(join(tmpdir(), "ds-bench-parquet-"));
  try {
    for (const name of ["bench-parquet", "bench-parquet-in"]) {
      await db.pool.query("select ds.register_dataset($1::jsonb)", [JSON.stringify({
        name, version: "0.1.0", calendar: "always-open", granularity: "1s", start_date: "2024-01-01", key: ["ticker", "seq"], schema: SCHEMA,
        write: { conflict: "reject" },
      })]);
    }
    log(`filling ${formatNumber(rows)} rows…`);
    // straight into the typed table (the rows are not the subject here), about 100 rows per second per ticker
    await db.pool.query(`insert into ds_store.bench_parquet_v0_1_0 (ts, ticker, seq, price, size, venue)
      select timestamptz '2024-01-02' + (i / ${TICKERS * 100}) * interval '1 second', 'T' || lpad((i % ${TICKERS})::text, 2, '0'), i,
             100 + (i % 9973) / 100.0, 1 + i % 500, case when i % 3 = 0 then null else 'X' || (i % 7) end
      from generate_series(0, ${rows - 1}) i`);
    await db.pool.query("analyze ds_store.bench_parquet_v0_1_0");
    const [start, end] = ["2024-01-02", "2025-01-01"];
    const file = join(dir, "bench.parquet");
    const rawMs = await rawCopy(db.pool, "bench_parquet_v0_1_0");
    const exported = await dsChild(["data", "bench-parquet", "0.1.0", start, end, "--format", "parquet", "--out", file, "--database-url", db.url]);
    const duck = await (await DuckDBInstance.create(":memory:")).connect();
    const t0 = now();
    const read = (await duck.runAndReadAll(`select count(*)::bigint::varchar as n, sum(seq)::varchar as s from read_parquet('${file}')`)).getRowObjectsJson()[0]!;
    const duckMs = now() - t0;
    duck.closeSync();
    const imported = await dsChild(["import", "bench-parquet-in", "0.1.0", file, "--database-url", db.url]);
    const { rows: [check] } = await db.pool.query<{ same: boolean }>(
      "select not exists (table ds_data.bench_parquet_v0_1_0 except table ds_data.bench_parquet_in_v0_1_0) and (select count(*) from ds_data.bench_parquet_in_v0_1_0) = $1 as same", [rows]);
    const { rows: [sum] } = await db.pool.query<{ s: string }>("select sum(seq)::text as s from ds_data.bench_parquet_v0_1_0");
    return {
      rows,
      fileMiB: Math.round(statSync(file).size / 2 ** 20),
      sameRows: check!.same && read.n === String(rows) && read.s === sum!.s,
      steps: [
        step("raw binary COPY out, drained in Node (baseline)", rows, rawMs),
        step("ds data --format parquet (export)", rows, exported.ms, exported),
        step("DuckDB reads the file (count, sum)", rows, duckMs),
        step("ds import FILE.parquet (into an empty dataset)", rows, imported.ms, imported),
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printParquet(r: ParquetResult): void {
  heading(`8. Parquet: ${formatNumber(r.rows)} rows exported and imported by the ds CLI (child processes, no heap cap)`);
  console.log(table(["step", "rows", "s", "rows/s", "ds CPU s", "peak RSS MiB"],
    r.steps.map((s) => [s.step, formatNumber(s.rows), s.seconds.toFixed(2), formatNumber(s.rowsPerSec), s.cpuSeconds?.toFixed(2) ?? "-", s.peakRssMiB ?? "-"])));
  note(`file: ${r.fileMiB} MiB (snappy); rows identical after the round trip and in DuckDB: ${r.sameRows ? "yes" : "NO"}`);
}
