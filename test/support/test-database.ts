/**
 * `useTestDatabase()` in a describe block: a fresh database cloned from the migrated
 * template before all its tests, a pool on it, and the database dropped afterwards.
 */
import pg from "pg";
import { afterAll, beforeAll, expect, inject } from "vitest";
import { cloneTemplate, dropDatabase } from "./database-url.ts";

export interface TestDatabase {
  url: string;
  pool: pg.Pool;
  adminUrl: string;
}

export function useTestDatabase(label = "db"): TestDatabase {
  const db = { adminUrl: inject("adminUrl") } as TestDatabase;
  beforeAll(async () => {
    db.url = await cloneTemplate(db.adminUrl, inject("templateDb"), label);
    db.pool = new pg.Pool({ connectionString: db.url, max: 12 });
    // the database is dropped "with (force)" at the end: clients still closing then get
    // 57P01, which must not become an uncaught exception
    db.pool.on("error", () => {});
    db.pool.on("connect", (client) => client.on("error", () => {}));
  });
  afterAll(async () => {
    await db.pool?.end();
    if (db.url) await dropDatabase(db.adminUrl, db.url);
  });
  return db;
}

/** Assert that a promise rejects with the given SQLSTATE (and optionally a message part). */
export async function expectSqlState(promise: Promise<unknown>, code: string, message?: string | RegExp) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e as { code?: string; message: string },
  );
  expect(err, `expected an error with SQLSTATE ${code}`).toBeDefined();
  expect(err!.code, err!.message).toBe(code);
  if (message) expect(err!.message).toMatch(message);
  return err!;
}
