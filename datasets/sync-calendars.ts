/**
 * Loads the calendar files of a directory (`calendars/*.toml`, default the project's) and
 * registers each through `ds.register_calendar`, all in one transaction: SQL checks them
 * (DS047, told here in terms of the files) and expands the rules into sessions; from then
 * on the database is the source of truth. Calendars whose files were removed stay
 * registered (datasets refer to them).
 *
 * @example
 * const names = await syncCalendars(pool); // ["always-open", "everyday", "nyse", ...]
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";
import { projectRoot } from "../db/project-root.ts";
import { withTransaction } from "../db/transaction.ts";
import { inFiles, readCalendarFile } from "./calendar-file.ts";

/**
 * Register every calendar file of `dir` (default `<project root>/calendars`); returns the
 * calendar names, sorted. A bad file registers nothing.
 */
export async function syncCalendars(pool: pg.Pool, dir: string = join(projectRoot(), "calendars")): Promise<string[]> {
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".toml"))
    .map((e) => e.name)
    .sort();
  const calendars = files.map((file) => readCalendarFile(dir, file));
  await withTransaction(pool, async (client) => {
    for (const source of calendars) {
      await client.query("select ds.register_calendar($1, $2::jsonb)", [source.name, JSON.stringify(source.definition)])
        .catch((err: unknown) => Promise.reject(inFiles(source, err)));
    }
  });
  return calendars.map((c) => c.name);
}
