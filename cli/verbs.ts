/**
 * Every verb of the `ds` command: its one-line summary, and its code loaded only when it
 * runs (`ds --help` and `ds --version` load none of them: see docs/cli.md).
 */
import type { Verb } from "./verb.ts";

export interface VerbEntry {
  summary: string;
  load(): Promise<Verb>;
}

export const verbs: Record<string, VerbEntry> = {
  up: { summary: "database, migrations, sync and worker in one process (what npm start runs)", load: async () => (await import("./commands/up.ts")).up },
  migrate: { summary: "apply migrations/ and sql/ to the database", load: async () => (await import("./commands/migrate.ts")).migrate },
  sync: { summary: "register calendars/ and builders/<name>/<version>/config.toml", load: async () => (await import("./commands/sync.ts")).sync },
  worker: { summary: "run builders for queued chunks (safe to run many times)", load: async () => (await import("./commands/worker.ts")).worker },
  serve: { summary: "GraphQL, REST, health and metrics over HTTP (default http://127.0.0.1:4000)", load: async () => (await import("./commands/serve.ts")).serve },
  build: { summary: "build a dataset version and its dependencies over [START, END]", load: async () => (await import("./commands/build.ts")).build },
  rebuild: { summary: "rebuild a dataset version over [START, END] even where built (after its builder code changed)", load: async () => (await import("./commands/build.ts")).rebuild },
  data: { summary: "print the rows of a dataset version in [START, END] (table, csv or json), or write them to a Parquet file", load: async () => (await import("./commands/data.ts")).data },
  import: { summary: "write the rows of a CSV or Parquet file into a dataset fed from outside ([write])", load: async () => (await import("./commands/import.ts")).importRows },
  delete: { summary: "delete the rows of a dataset version in [START, END] and invalidate its dependents there", load: async () => (await import("./commands/delete.ts")).remove },
  pack: { summary: "pack the old partitions of a dataset version into compressed arrays (reads unchanged)", load: async () => (await import("./commands/pack.ts")).pack },
  unpack: { summary: "unpack the packed partitions of a dataset version in [START, END]", load: async () => (await import("./commands/pack.ts")).unpack },
  status: { summary: "list dataset versions with their built ranges, and queued or running builds", load: async () => (await import("./commands/status.ts")).status },
  calendars: { summary: "list calendars, or print the points of one calendar in [START, END]", load: async () => (await import("./commands/calendars.ts")).calendars },
  "api-key": { summary: "create, list or revoke the API keys of the REST and GraphQL APIs (effective at once)", load: async () => (await import("./commands/api-key.ts")).apiKey },
};
