/**
 * `[refresh] schedule` (docs/writes.md): each worker registers one graphile-worker cron
 * item per scheduled dataset version (task `ds_refresh`, identifier
 * `ds_refresh:<name>@<version>`, so several workers schedule it once), whose job calls
 * `ds.refresh`: a build of what is missing or stale up to now. Schedules are read when the
 * worker starts; restart workers after a `ds sync` that changes them.
 */
import { parseCronItem, type ParsedCronItem, type Task } from "graphile-worker";
import type pg from "pg";

export interface RefreshPayload {
  dataset: string;
  version: string;
}

/** The `ds_refresh` task: plans the build of what is missing or stale of one dataset version. */
export function makeRefreshTask(pool: pg.Pool): Task {
  return async (payload) => {
    const { dataset, version } = payload as RefreshPayload;
    await pool.query("select ds.refresh($1, $2)", [dataset, version]);
  };
}

/** The cron items of the scheduled datasets; a schedule that does not parse is logged and skipped. */
export async function refreshCronItems(pool: pg.Pool, log: (line: string) => void): Promise<ParsedCronItem[]> {
  const { rows } = await pool.query<{ dataset: string; version: string; schedule: string }>(
    "select dataset, version, schedule from ds_worker.refresh_schedules()",
  );
  const items: ParsedCronItem[] = [];
  for (const { dataset, version, schedule } of rows) {
    try {
      items.push(parseCronItem({
        task: "ds_refresh",
        match: schedule,
        identifier: `ds_refresh:${dataset}@${version}`,
        payload: { dataset, version } satisfies RefreshPayload,
        options: { backfillPeriod: 0 },
      }));
    } catch (err) {
      log(`worker warning: ${dataset} ${version}: schedule ${JSON.stringify(schedule)} is not a cron expression (${(err as Error).message}); not scheduled`);
    }
  }
  return items;
}
