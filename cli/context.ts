/**
 * What every verb gets: parsed options, and the database (given or embedded) opened,
 * migrated on request, with a pool on it.
 */
import { resolve } from "node:path";
import type pg from "pg";
import { openDatabase, type OpenDatabase } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import { createPool } from "../db/pool.ts";
import { projectRoot } from "../db/project-root.ts";

export interface GlobalOptions {
  "database-url"?: string;
  builders?: string;
  calendars?: string;
  help?: boolean;
}

export const globalOptionSpec = {
  "database-url": { type: "string" },
  builders: { type: "string" },
  calendars: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export interface Context {
  db: OpenDatabase;
  pool: pg.Pool;
  buildersDir: string;
  calendarsDir: string;
  close(): Promise<void>;
}

export function buildersDir(options: GlobalOptions): string {
  return resolve(options.builders ?? process.env.DS_BUILDERS ?? "builders");
}

export async function openContext(options: GlobalOptions, { migrateFirst = false, poolSize = 10 } = {}): Promise<Context> {
  const db = await openDatabase({ databaseUrl: options["database-url"] });
  const pool = createPool(db.url, { max: poolSize });
  try {
    if (migrateFirst || db.embedded) await migrate(pool);
  } catch (err) {
    await pool.end();
    await db.close();
    throw err;
  }
  return {
    db,
    pool,
    buildersDir: buildersDir(options),
    calendarsDir: resolve(options.calendars ?? resolve(projectRoot(), "calendars")),
    async close() {
      await pool.end();
      await db.close();
    },
  };
}
