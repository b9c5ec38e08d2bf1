/**
 * What every verb gets: parsed options, and the database (given or embedded) opened,
 * checked (DS039 when it cannot be reached; DS036/DS037 when the verb needs the primary or
 * a session and the URL leads to a standby or a transaction pooler), migrated on request,
 * with a pool on it.
 */
import { resolve } from "node:path";
import type pg from "pg";
import { inspectConnection, refusePooler, refuseStandby, type ConnectionKind } from "../db/connection-kind.ts";
import { openDatabase, type OpenDatabase } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import { createPool } from "../db/pool.ts";
import { projectRoot } from "../db/project-root.ts";
import { optionValue, port } from "./options.ts";

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
  /** A standby or a transaction pooler at the other end (both false for the embedded database). */
  kind: ConnectionKind;
  buildersDir: string;
  calendarsDir: string;
  close(): Promise<void>;
}

export interface ContextOptions {
  migrateFirst?: boolean;
  poolSize?: number;
  /** What the verb does that needs the primary and a session of its own (refused on a standby, DS036, or a pooler, DS037). */
  writes?: string;
}

export function buildersDir(options: GlobalOptions): string {
  return resolve(options.builders ?? process.env.DS_BUILDERS ?? "builders");
}

export async function openContext(options: GlobalOptions, { migrateFirst = false, poolSize = 10, writes }: ContextOptions = {}): Promise<Context> {
  optionValue("", "$DS_PG_PORT", process.env.DS_PG_PORT || undefined, port);
  const db = await openDatabase({ databaseUrl: options["database-url"] });
  let kind: ConnectionKind = { inRecovery: false, pooled: false };
  try {
    if (!db.embedded) kind = await inspectConnection(db.url);
    if (writes) {
      refuseStandby(db.url, kind, writes);
      refusePooler(db.url, kind, writes);
    }
  } catch (err) {
    await db.close();
    throw err;
  }
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
    kind,
    buildersDir: buildersDir(options),
    calendarsDir: resolve(options.calendars ?? resolve(projectRoot(), "calendars")),
    async close() {
      await pool.end();
      await db.close();
    },
  };
}
