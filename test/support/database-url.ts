/** Test databases: a migrated template, cloned once per test file. */
import pg from "pg";
import { randomBytes } from "node:crypto";
import { migrate } from "../../db/migrate.ts";
import { createPool } from "../../db/pool.ts";
import { syncCalendars } from "../../datasets/sync-calendars.ts";

export function databaseUrl(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function withDatabase<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function prepareTemplate(adminUrl: string, templateDb: string): Promise<void> {
  await withDatabase(adminUrl, async (c) => {
    await c.query(`drop database if exists "${templateDb}" with (force)`);
    await c.query(`create database "${templateDb}"`);
  });
  const pool = createPool(databaseUrl(adminUrl, templateDb), { max: 2 });
  try {
    await migrate(pool);
    await syncCalendars(pool);
  } finally {
    await pool.end();
  }
}

/** Clone the template into a fresh database; returns its URL. */
export async function cloneTemplate(adminUrl: string, templateDb: string, label = "db"): Promise<string> {
  const name = `ds_test_${label.replace(/[^a-z0-9]/g, "_").slice(0, 20)}_${randomBytes(4).toString("hex")}_${process.ppid}`;
  await withDatabase(adminUrl, (c) => c.query(`create database "${name}" template "${templateDb}"`));
  return databaseUrl(adminUrl, name);
}

export async function dropDatabase(adminUrl: string, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await withDatabase(adminUrl, (c) => c.query(`drop database if exists "${name}" with (force)`));
}
