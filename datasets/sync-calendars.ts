/**
 * Loads the calendar files of a directory (`calendars/*.toml`, default the project's),
 * checks them and registers each through `ds.register_calendar`, all in one transaction.
 * The SQL side expands the rules into sessions; from then on the database is the source
 * of truth. Calendars whose files were removed stay registered (datasets refer to them).
 *
 * @example
 * const names = await syncCalendars(pool); // ["always-open", "everyday", "nyse", ...]
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import type pg from "pg";
import { parse } from "smol-toml";
import type { z } from "zod";
import { DsError } from "../db/errors.ts";
import { projectRoot } from "../db/project-root.ts";
import { calendarFileSchema, fieldPath, holidayFileSchema } from "./calendar-file.ts";

const CALENDAR_NAME = /^[a-z][a-z0-9-]{0,62}$/;

function invalid(file: string, problem: string): DsError {
  return new DsError("DS047", `${file}: ${problem}`, {
    detail: `The calendar file ${file} is not valid.`,
    hint: "See calendars/holidays/nyse.toml for the rule forms and calendars/nyse.toml for a calendar.",
  });
}

/** Parse a TOML file and check it against a schema; errors name the file and the field. */
function load<S extends z.ZodType>(schema: S, path: string, shown: string): z.output<S> {
  let data: unknown;
  try {
    data = parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw invalid(shown, (err as Error).message.split("\n")[0] ?? String(err));
  }
  const result = schema.safeParse(data);
  if (!result.success) {
    throw invalid(shown, result.error.issues.map((i) => `${fieldPath(i.path) || "(file)"}: ${i.message}`).join("; "));
  }
  return result.data;
}

/** The definition registered for one calendar file: the file with its holiday file merged in. */
export function loadCalendarDefinition(dir: string, file: string): { name: string; definition: Record<string, unknown> } {
  const path = join(dir, file);
  const shown = relative(process.cwd(), path) || file;
  const name = basename(file, ".toml");
  if (!CALENDAR_NAME.test(name)) {
    throw invalid(shown, "the file name must be the calendar name: lowercase letters, digits and -, starting with a letter");
  }
  const { closed = [], "early-close": earlyClose = [], ...calendar } = load(calendarFileSchema, path, shown);
  const shared = calendar.holidays
    ? load(holidayFileSchema, join(dir, calendar.holidays), relative(process.cwd(), join(dir, calendar.holidays)))
    : { closed: [], "early-close": [] };
  const definition: Record<string, unknown> = { ...calendar };
  const allClosed = [...shared.closed, ...closed];
  const allEarly = [...shared["early-close"], ...earlyClose];
  if (allClosed.length > 0) definition.closed = allClosed;
  if (allEarly.length > 0) definition["early-close"] = allEarly;
  return { name, definition };
}

/**
 * Register every calendar file of `dir` (default `<project root>/calendars`); returns the
 * calendar names, sorted. Every file is checked before anything is registered.
 */
export async function syncCalendars(pool: pg.Pool, dir: string = join(projectRoot(), "calendars")): Promise<string[]> {
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".toml"))
    .map((e) => e.name)
    .sort();
  const calendars = files.map((file) => loadCalendarDefinition(dir, file));
  const client = await pool.connect();
  try {
    await client.query("begin");
    for (const { name, definition } of calendars) {
      await client.query("select ds.register_calendar($1, $2::jsonb)", [name, JSON.stringify(definition)]);
    }
    await client.query("commit");
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
  return calendars.map((c) => c.name);
}
