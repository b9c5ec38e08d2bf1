/**
 * The datastream side of the replica tests (read-replica, push-standby, scale-out): a
 * throwaway primary (pg-cluster.ts) migrated with the fixture datasets registered, and a wait
 * until a standby has replayed what the primary has written so far.
 */
import type pg from "pg";
import { migrate } from "../../db/migrate.ts";
import { createPool } from "../../db/pool.ts";
import { syncCalendars } from "../../datasets/sync-calendars.ts";
import { syncDatasets } from "../../datasets/sync.ts";
import { until } from "./until.ts";
import { fixtureBuilders } from "./worker-fixture.ts";

/** A pool on the primary at `url`, once it is migrated and has the calendars and fixture datasets. */
export async function migratedPrimary(url: string): Promise<pg.Pool> {
  const pool = createPool(url, { max: 4 });
  await migrate(pool);
  await syncCalendars(pool);
  await syncDatasets(pool, fixtureBuilders);
  return pool;
}

/** Waits until the standby has replayed everything the primary has written so far. */
export async function caughtUp(primary: pg.Pool, standby: pg.Pool, timeoutMs = 30_000): Promise<void> {
  const lsn = (await primary.query<{ lsn: string }>("select pg_current_wal_insert_lsn()::text as lsn")).rows[0]!.lsn;
  await until("the standby's replay", async () =>
    (await standby.query<{ ok: boolean }>("select pg_last_wal_replay_lsn() >= $1::pg_lsn as ok", [lsn])).rows[0]!.ok, timeoutMs);
}
