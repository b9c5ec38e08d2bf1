/**
 * `[storage] retention` (docs/storage.md): every worker registers the same graphile-worker
 * cron item (task `ds_retention`, identifier `ds_retention`, so that several workers run it
 * once per tick), every 10 minutes. Its job applies each version's retention in a
 * transaction of its own (`ds_worker.apply_retention`): the old partitions dropped and their
 * coverage removed together. A version whose table stays locked (55P03 after 5 s) is logged
 * and left to the next run; the others go on.
 */
import { parseCronItem, type ParsedCronItem, type Task } from "graphile-worker";
import type pg from "pg";

/** When the retention job runs: every 10 minutes (cron). */
export const RETENTION_SCHEDULE = "*/10 * * * *";

export interface RetentionResult {
  dataset: string;
  version: string;
  partitions: number;
  boundary: Date;
}

/** Applies the retention of every version that has one, as of `asOf` (default now); returns what each did. */
export async function applyRetention(pool: pg.Pool, log: (line: string) => void, asOf?: Date): Promise<RetentionResult[]> {
  const { rows: versions } = await pool.query<{ dataset: string; version: string }>("select dataset, version from ds_worker.retention_versions()");
  const results: RetentionResult[] = [];
  for (const { dataset, version } of versions) {
    try {
      const { rows } = await pool.query<{ partitions: number; boundary: Date }>(
        "select partitions, boundary from ds_worker.apply_retention($1, $2, coalesce($3::timestamptz, now()))",
        [dataset, version, asOf ?? null],
      );
      if (rows[0]) results.push({ dataset, version, ...rows[0] });
    } catch (err) {
      const e = err as { code?: string; message: string };
      if (e.code !== "55P03") throw err;
      log(`worker warning: retention of ${dataset} ${version} skipped: its table stayed locked (${e.message}); the next run tries again`);
    }
  }
  return results;
}

/** The `ds_retention` task. */
export function makeRetentionTask(pool: pg.Pool, log: (line: string) => void): Task {
  return async () => {
    for (const r of await applyRetention(pool, log)) {
      if (r.partitions > 0) log(`worker: retention of ${r.dataset} ${r.version} dropped ${r.partitions} partition(s) before ${r.boundary.toISOString()}`);
    }
  };
}

/** The cron item of the retention job (one for all versions; a version without retention costs nothing). */
export function retentionCronItem(): ParsedCronItem {
  return parseCronItem({ task: "ds_retention", match: RETENTION_SCHEDULE, identifier: "ds_retention", options: { backfillPeriod: 0 } });
}
