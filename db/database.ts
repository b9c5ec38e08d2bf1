/**
 * Which database a command uses: `--database-url`, else `$DATABASE_URL`, else the
 * embedded PostgreSQL in `./.datastream/` (database `datastream`; `$DS_DATA_DIR` and
 * `$DS_PG_PORT` move it elsewhere).
 */
import { dirname } from "node:path";
import pg from "pg";
import { checkDatabaseUrl } from "./database-url.ts";
import { startEmbedded } from "./embedded.ts";

export interface OpenDatabase {
  url: string;
  embedded: boolean;
  /** Where the embedded server keeps its files (only when embedded). */
  dir?: string;
  close(): Promise<void>;
}

export async function openDatabase(options: { databaseUrl?: string; dataDir?: string; port?: number; log?: (l: string) => void } = {}): Promise<OpenDatabase> {
  const given = options.databaseUrl ?? process.env.DATABASE_URL;
  if (given) {
    checkDatabaseUrl(given); // DS039 for a URL that cannot work
    return { url: given, embedded: false, close: async () => {} };
  }
  const envPort = process.env.DS_PG_PORT ? Number(process.env.DS_PG_PORT) : undefined;
  const server = await startEmbedded({ dir: options.dataDir ?? process.env.DS_DATA_DIR, port: options.port ?? envPort, log: options.log });
  const admin = new pg.Client(server.url);
  await admin.connect();
  try {
    const { rowCount } = await admin.query("select from pg_database where datname = 'datastream'");
    if (!rowCount) await admin.query("create database datastream").catch((e: { code?: string }) => {
      if (e.code !== "42P04" && e.code !== "23505") throw e;
    });
  } finally {
    await admin.end();
  }
  const url = new URL(server.url);
  url.pathname = "/datastream";
  return { url: url.toString(), embedded: true, dir: dirname(server.dataDir), close: () => server.stop() };
}
