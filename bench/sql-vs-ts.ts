/**
 * SQL builders vs TypeScript builders: the same derived dataset built end to end (ds.build
 * + ds.wait, in-process worker, concurrency 2) by its TypeScript version 0.1.0 (dependency
 * rows read into Node, builder per point, validation, COPY) and by its SQL version 0.2.0
 * (one INSERT ... SELECT per chunk inside PostgreSQL, ds_worker.run_sql_task), alternating, median
 * of the runs, over the same rows of bench-minute-ohlc (built once beforehand, untimed).
 * Both versions' tables are compared at the end: the figures are for the same values.
 */
import type pg from "pg";
import type { BenchDatabase } from "./bench-database.ts";
import { buildAndWait, lastPoint } from "./build-and-wait.ts";
import { findVersion, resetVersion, rowCount, type DatasetVersion } from "./dataset-table.ts";
import { median } from "./stats.ts";
import { startWorkers } from "./worker-processes.ts";

export interface SqlVsTsResult {
  dataset: string;
  rows: number;
  chunk: number;
  chunks: number;
  tsMs: number[];
  sqlMs: number[];
  tsRowsPerSec: number;
  sqlRowsPerSec: number;
  /** SQL rows/s ÷ TypeScript rows/s. */
  ratio: number;
  /** Rows of one version with no equal row (ts, ticker and every field) in the other. */
  differences: number;
}

const START = new Date("2015-01-01T00:00:00Z");
const DEPENDENCY = "bench-minute-ohlc";

/** Rebuild the dependency over the range from scratch (other sections truncate it). */
export async function prepareDependency(db: BenchDatabase, points: number, log: (line: string) => void): Promise<void> {
  const dep = await findVersion(db.pool, DEPENDENCY);
  await resetVersion(db.pool, dep);
  const workers = await startWorkers(db, { processes: 0, concurrency: 2 }, log);
  try {
    const b = await buildAndWait(db.pool, DEPENDENCY, dep.version, START, lastPoint(START, points, dep.stepMs));
    log(`   ${DEPENDENCY}: ${points.toLocaleString("en-US")} points built in ${(b.totalMs / 1000).toFixed(2)} s (untimed setup)`);
  } finally {
    await workers.stop();
  }
}

async function differences(pool: pg.Pool, a: DatasetVersion, b: DatasetVersion): Promise<number> {
  const { rows } = await pool.query(
    `select count(*)::int as n from (
       (select * from ds_data."${a.table}" except all select * from ds_data."${b.table}")
       union all
       (select * from ds_data."${b.table}" except all select * from ds_data."${a.table}")) d`,
  );
  return rows[0].n as number;
}

/** Build `dataset` 0.1.0 (TypeScript) and 0.2.0 (SQL) over `points` minutes, `runs` times each. */
export async function measureSqlVsTs(db: BenchDatabase, dataset: string, points: number, runs: number, log: (line: string) => void): Promise<SqlVsTsResult> {
  const ts = await findVersion(db.pool, dataset, "0.1.0");
  const sql = await findVersion(db.pool, dataset, "0.2.0");
  const end = lastPoint(START, points, ts.stepMs);
  const tsMs: number[] = [];
  const sqlMs: number[] = [];
  let chunks = 0;
  const workers = await startWorkers(db, { processes: 0, concurrency: 2 }, log);
  try {
    for (let run = 0; run < runs; run++) {
      for (const [v, times] of [[ts, tsMs], [sql, sqlMs]] as const) {
        await resetVersion(db.pool, v);
        const b = await buildAndWait(db.pool, v.name, v.version, START, end);
        times.push(b.totalMs);
        chunks = b.tasks;
        log(`   ${v.name} ${v.version} run ${run + 1}: ${(b.totalMs / 1000).toFixed(2)} s`);
      }
    }
  } finally {
    await workers.stop();
  }
  const rows = await rowCount(db.pool, sql);
  if (rows !== (await rowCount(db.pool, ts))) throw new Error(`${dataset}: the TypeScript and SQL versions wrote different row counts`);
  const tsRowsPerSec = rows / (median(tsMs) / 1000);
  const sqlRowsPerSec = rows / (median(sqlMs) / 1000);
  return {
    dataset,
    rows,
    chunk: sql.chunk,
    chunks,
    tsMs,
    sqlMs,
    tsRowsPerSec,
    sqlRowsPerSec,
    ratio: sqlRowsPerSec / tsRowsPerSec,
    differences: await differences(db.pool, ts, sql),
  };
}
