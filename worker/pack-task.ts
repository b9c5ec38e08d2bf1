/**
 * `[storage] pack-after` (docs/storage.md, "Packed partitions"): every worker registers the
 * same graphile-worker cron item (task `ds_pack`, identifier `ds_pack`, so that several
 * workers run it once per tick), every 10 minutes. Its job packs each partition that ended
 * before its version's horizon (now less pack-after) in a transaction of its own
 * (`ds_worker.pack_partition`), so that no lock is held for long. A partition whose table
 * stays locked (55P03 after 5 s), or whose writer it met in a deadlock (40P01), is logged
 * and left to the next run; the others go on.
 */
import { parseCronItem, type ParsedCronItem, type Task } from "graphile-worker";
import type pg from "pg";

/** When the packing job runs: every 10 minutes (cron), five minutes after retention. */
export const PACK_SCHEDULE = "5,15,25,35,45,55 * * * *";

export interface PackResult {
  dataset: string;
  version: string;
  start: Date;
  rows: number;
}

/** Packs every partition due as of `asOf` (default now); returns what it packed. */
export async function applyPacking(pool: pg.Pool, log: (line: string) => void, asOf?: Date): Promise<PackResult[]> {
  const { rows: due } = await pool.query<{ dataset: string; version: string; start_at: Date }>(
    "select dataset, version, start_at from ds_worker.partitions_to_pack(coalesce($1::timestamptz, now()))", [asOf ?? null]);
  const results: PackResult[] = [];
  for (const { dataset, version, start_at } of due) {
    try {
      const { rows } = await pool.query<{ rows: string | null }>("select ds_worker.pack_partition($1, $2, $3) as rows", [dataset, version, start_at]);
      if (rows[0]?.rows != null) results.push({ dataset, version, start: start_at, rows: Number(rows[0].rows) });
    } catch (err) {
      const e = err as { code?: string; message: string };
      if (e.code !== "55P03" && e.code !== "40P01") throw err;
      log(`worker warning: packing ${dataset} ${version} from ${start_at.toISOString()} skipped (${e.message}); the next run tries again`);
    }
  }
  return results;
}

/** The `ds_pack` task. */
export function makePackTask(pool: pg.Pool, log: (line: string) => void): Task {
  return async () => {
    for (const r of await applyPacking(pool, log)) {
      log(`worker: packed ${r.dataset} ${r.version} from ${r.start.toISOString()} (${r.rows} rows)`);
    }
  };
}

/** The cron item of the packing job (one for all versions; a version without pack-after costs nothing). */
export function packCronItem(): ParsedCronItem {
  return parseCronItem({ task: "ds_pack", match: PACK_SCHEDULE, identifier: "ds_pack", options: { backfillPeriod: 0 } });
}
