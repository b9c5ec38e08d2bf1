/**
 * A test database with the fixture datasets of test/fixtures/builders registered and an
 * in-process worker running (builders then record their calls in this process).
 */
import { afterAll, beforeAll } from "vitest";
import { join } from "node:path";
import { createPool } from "../../db/pool.ts";
import { projectRoot } from "../../db/project-root.ts";
import { syncDatasets } from "../../datasets/sync.ts";
import { startWorker, type RunningWorker } from "../../worker/run-worker.ts";
import type { BatchLimits } from "../../worker/chunk-batch.ts";
import { useTestDatabase, type TestDatabase } from "./test-database.ts";

export const fixtureBuilders = join(projectRoot(), "test", "fixtures", "builders");

export interface WorkerDatabase extends TestDatabase {
  worker: RunningWorker;
  q<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  one<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T>;
}

export function useWorkerDatabase(label: string, { worker = true, batch }: { worker?: boolean; batch?: Partial<BatchLimits> } = {}): WorkerDatabase {
  const db = useTestDatabase(label) as WorkerDatabase;
  beforeAll(async () => {
    await db.pool.end();
    db.pool = createPool(db.url, { max: 16 });
    await syncDatasets(db.pool, fixtureBuilders);
    if (worker) {
      db.worker = await startWorker({ pool: db.pool, connectionString: db.url, buildersDir: fixtureBuilders, concurrency: 2, batch, log: () => {} });
    }
  });
  afterAll(async () => {
    await db.worker?.stop();
  });
  db.q = async (sql, params) => (await db.pool.query(sql, params)).rows;
  db.one = async (sql, params) => (await db.pool.query(sql, params)).rows[0];
  return db;
}
