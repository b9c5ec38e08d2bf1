/**
 * Resampling benchmark: one year (2024) of 1-minute OHLCV bars of 20 tickers on the nyse
 * calendar (bench-resample-1m, about 1.97 million rows) resampled to 5m, 1h and 1d by the
 * resample transform (bench-resample-5m/-1h/-1d), end to end through ds.build + ds.wait
 * with the in-process worker (concurrency 2), against a plain `group by date_bin(...)`
 * query over the same rows in the same run: once inserting its result into a copy of the
 * target's table (the same work: read, aggregate, write), once only computing it.
 *
 * The source is not built by its builder: its table is filled directly with one
 * INSERT ... SELECT over generate_series (FILL below) and then marked built by setting its
 * coverage (ds_private.dataset_versions.coverage) to 2024 — for the source only; every
 * target is built for real. Runs alternate build and baselines; medians are reported.
 *
 *   node bench/resample.ts        (or: sh toolchain/run.sh bench/resample.ts)
 *
 * Environment: DATABASE_URL (a scratch database on that server instead of an embedded
 * PostgreSQL 18), BENCH_RUNS (3). bench/run.ts may call measureResample directly.
 */
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { ensurePartitions } from "../db/ensure-partitions.ts";
import { openBenchDatabase, type BenchDatabase } from "./bench-database.ts";
import { buildAndWait } from "./build-and-wait.ts";
import { findVersion, resetVersion, rowCount } from "./dataset-table.ts";
import { heading, note, table } from "./report.ts";
import { median, timed } from "./stats.ts";
import { startWorkers } from "./worker-processes.ts";

const SOURCE = "bench-resample-1m";
const TARGETS = [
  { dataset: "bench-resample-5m", bin: "5 minutes" },
  { dataset: "bench-resample-1h", bin: "1 hour" },
  { dataset: "bench-resample-1d", bin: "1 day" },
];
const START = new Date("2024-01-01T00:00:00Z");
const END = new Date("2024-12-31T23:59:00Z");

/** The source's rows, as its builder computes them: every nyse minute of 2024 x 20 tickers. */
const FILL = `
insert into ds_store.%TABLE% (ts, ticker, open, high, low, close, volume)
select p, 'T' || lpad(k::text, 2, '0'), o, greatest(o, c) + ((e + k) % 4) / 8.0, least(o, c) - ((e * 3 + k) % 5) / 8.0, c, 100 + (e * 37 + k * 11) % 1000
from unnest(ds_private.calendar_slots('nyse', interval '1 minute', tstzrange($1, $2))) r,
     generate_series(lower(r), upper(r) - interval '1 minute', interval '1 minute') p,
     generate_series(1, 20) k,
     lateral (select (extract(epoch from p) / 60)::bigint as e) m,
     lateral (select 100 + k + ((e * 7 + k) % 101) / 8.0 as o) x,
     lateral (select o + ((e * 5 + k) % 9 - 4) / 4.0 as c) y`;

/** The plain query: the same bars with date_bin; for 1h it also has the 09:30-10:00 partial bucket the transform omits. */
const plainQuery = (table: string, bin: string) => `
select date_bin(interval '${bin}', ts, timestamptz 'epoch') as ts, ticker, (array_agg(open order by ts))[1] as open, max(high) as high,
       min(low) as low, (array_agg(close order by ts))[count(*)] as close, sum(volume)::bigint as volume, count(*) as trades
from ds_data.${table} group by ticker, 1`;

export interface ResampleResult {
  dataset: string;
  sourceRows: number;
  outputRows: number;
  plainRows: number;
  chunks: number;
  buildMs: number[];
  insertMs: number[];
  selectMs: number[];
  buildRowsPerSec: number;
  insertRowsPerSec: number;
  selectRowsPerSec: number;
  /** Rows of the transform's table with no equal row in the plain query's result (must be 0). */
  differences: number;
}

/** Fill the source for 2024 and mark it built; returns its row count. */
export async function prepareSource(pool: pg.Pool, log: (line: string) => void): Promise<number> {
  const v = await findVersion(pool, SOURCE);
  await resetVersion(pool, v);
  await ensurePartitions(pool, v.table, START, END);
  const fill = await timed(() => pool.query(FILL.replace("%TABLE%", v.table), [START, new Date(END.getTime() + 60_000)]));
  // marked built over 2024 (the source only: coverage may include closed time, see docs/coverage.md)
  await pool.query("update ds_private.dataset_versions set coverage = tstzmultirange(tstzrange($2, $3)) where id = $1", [v.id, START, new Date("2025-01-01T00:00:00Z")]);
  await pool.query(`analyze ds_store."${v.table}"`);
  await pool.query("checkpoint");
  const rows = await rowCount(pool, v);
  log(`   ${SOURCE}: ${rows.toLocaleString("en-US")} rows inserted by INSERT ... SELECT in ${(fill.ms / 1000).toFixed(1)} s and marked built (coverage set directly, the source only)`);
  return rows;
}

export async function measureResample(db: BenchDatabase, runs: number, log: (line: string) => void): Promise<ResampleResult[]> {
  const { pool } = db;
  const sourceRows = await prepareSource(pool, log);
  const source = await findVersion(pool, SOURCE);
  const worker = await startWorkers(db, { processes: 0, concurrency: 2 }, log);
  const results: ResampleResult[] = [];
  try {
    for (const { dataset, bin } of TARGETS) {
      const v = await findVersion(pool, dataset);
      const copy = `bench_plain_${v.table}`;
      await pool.query(`drop table if exists ds_data.${copy}; create table ds_data.${copy} (like ds_store."${v.table}" including all)`);
      const query = plainQuery(source.table, bin);
      const r: ResampleResult = {
        dataset, sourceRows, outputRows: 0, plainRows: 0, chunks: 0, buildMs: [], insertMs: [], selectMs: [],
        buildRowsPerSec: 0, insertRowsPerSec: 0, selectRowsPerSec: 0, differences: 0,
      };
      for (let run = 0; run < runs; run++) {
        await resetVersion(pool, v);
        const b = await buildAndWait(pool, v.name, v.version, START, END);
        r.buildMs.push(b.totalMs);
        r.chunks = b.tasks;
        await pool.query(`truncate ds_data.${copy}`);
        await pool.query("checkpoint");
        const insert = await timed(() => pool.query(`insert into ds_data.${copy} ${query}`));
        r.insertMs.push(insert.ms);
        r.plainRows = insert.value.rowCount ?? 0;
        // computed, not written: a materialized CTE evaluates every column
        r.selectMs.push((await timed(() => pool.query(`with q as materialized (${query}) select count(*) from q`))).ms);
        log(`   ${dataset} run ${run + 1}: build ${(b.totalMs / 1000).toFixed(2)} s (${b.tasks} chunks); plain insert ${(insert.ms / 1000).toFixed(2)} s, select ${(r.selectMs.at(-1)! / 1000).toFixed(2)} s`);
      }
      r.outputRows = await rowCount(pool, v);
      const diff = await pool.query(`select count(*)::int as n from (select * from ds_data."${v.table}" except select * from ds_data.${copy}) d`);
      r.differences = diff.rows[0].n as number;
      await pool.query(`drop table ds_data.${copy}`);
      r.buildRowsPerSec = sourceRows / (median(r.buildMs) / 1000);
      r.insertRowsPerSec = sourceRows / (median(r.insertMs) / 1000);
      r.selectRowsPerSec = sourceRows / (median(r.selectMs) / 1000);
      results.push(r);
    }
  } finally {
    await worker.stop();
  }
  return results;
}

export function reportResample(results: ResampleResult[]): void {
  heading("Resampling one year of 1-minute bars, 20 tickers (source rows read per second)");
  console.log(table(
    ["target", "chunks", "rows out", "transform rows/s", "plain insert rows/s", "ratio", "plain select rows/s", "ratio"],
    results.map((r) => [
      r.dataset, r.chunks, r.outputRows, r.buildRowsPerSec, r.insertRowsPerSec, (r.buildRowsPerSec / r.insertRowsPerSec).toFixed(2),
      r.selectRowsPerSec, (r.buildRowsPerSec / r.selectRowsPerSec).toFixed(2),
    ]),
  ));
  note("transform: ds.build + ds.wait, in-process worker (concurrency 2), one INSERT ... SELECT per chunk inside PostgreSQL (ds_worker.run_sql_task).");
  note("plain insert: INSERT INTO a copy of the target table SELECT ... GROUP BY ticker, date_bin(...); plain select: the same query, not written.");
  for (const r of results) {
    if (r.plainRows !== r.outputRows) note(`${r.dataset}: the plain query gives ${r.plainRows.toLocaleString("en-US")} rows (the transform keeps only complete buckets: ${r.outputRows.toLocaleString("en-US")}).`);
    if (r.differences) note(`${r.dataset}: ${r.differences} rows of the transform differ from the plain query's — a BUG.`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const db = await openBenchDatabase();
  try {
    console.log(`resample bench on ${db.server}`);
    const results = await measureResample(db, runs, (line) => console.log(line));
    reportResample(results);
    console.log(`BENCH_RESAMPLE_JSON ${JSON.stringify({ server: db.server, results })}`);
    if (results.some((r) => r.differences > 0)) process.exitCode = 1;
  } finally {
    await db.close();
  }
}
