/**
 * Reading a calendar file (`calendars/<name>.toml`) into the definition that
 * `ds.register_calendar` checks and expands: TOML parsed, dates made `YYYY-MM-DD` text, and
 * the shared holidays file it names (`holidays = "holidays/nyse.toml"`) merged in, its rules
 * first. What the fields mean is SQL's to decide (sql/calendar/check_calendar_definition.sql);
 * this file only knows where each rule came from, so that an error names the right file.
 */
import { readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { parse, TomlDate } from "smol-toml";
import { DsError } from "../db/errors.ts";

export interface CalendarSource {
  name: string;
  definition: Record<string, unknown>;
  /** The file shown in errors, and the holidays file with how many of each list's rules it gave (they come first). */
  file: string;
  holidays?: { file: string; closed: number; "early-close": number };
}

export function invalidCalendarFile(file: string, problem: string): DsError {
  return new DsError("DS047", `${file}: ${problem}`, {
    detail: `The calendar file ${file} is not valid.`,
    hint: "See calendars/holidays/nyse.toml for the rule forms and calendars/nyse.toml for a calendar.",
  });
}

/** TOML dates as text (2001-09-11), everything else as parsed. */
function plain(value: unknown): unknown {
  if (value instanceof TomlDate) return value.isDate() ? value.toISOString().slice(0, 10) : value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

function readToml(path: string, shown: string): Record<string, unknown> {
  try {
    return plain(parse(readFileSync(path, "utf8"))) as Record<string, unknown>;
  } catch (err) {
    throw invalidCalendarFile(shown, (err as Error).message.split("\n")[0] ?? String(err));
  }
}

/** A list of rules to merge (none when absent); DS047 naming the file otherwise. */
function rules(value: unknown, file: string, list: string): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  throw invalidCalendarFile(file, `${list}: expected a list of rules ([[${list}]])`);
}

/** The definition registered for one calendar file: the file with its holidays file merged in. */
export function readCalendarFile(dir: string, file: string): CalendarSource {
  const path = join(dir, file);
  const shown = relative(process.cwd(), path) || file;
  const definition = readToml(path, shown);
  const source: CalendarSource = { name: basename(file, ".toml"), definition, file: shown };
  const include = definition.holidays;
  if (typeof include !== "string") return source;
  // a path inside the calendars directory: the one thing only the file system can check
  if (!/^[a-z0-9_-]+(\/[a-z0-9_-]+)*\.toml$/.test(include)) {
    throw invalidCalendarFile(shown, `holidays: expected a path such as holidays/nyse.toml, relative to the calendars directory, found "${include}"`);
  }
  const holidaysShown = relative(process.cwd(), join(dir, include));
  const { closed, "early-close": early, description: _description, ...rest } = readToml(join(dir, include), holidaysShown);
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw invalidCalendarFile(holidaysShown, `${extra}: unknown field (a holidays file has description, closed and early-close)`);
  const shared = { closed: rules(closed, holidaysShown, "closed"), "early-close": rules(early, holidaysShown, "early-close") };
  for (const list of ["closed", "early-close"] as const) {
    const all = [...shared[list], ...rules(definition[list], shown, list)];
    if (all.length > 0) definition[list] = all;
  }
  source.holidays = { file: holidaysShown, closed: shared.closed.length, "early-close": shared["early-close"].length };
  return source;
}

/**
 * SQL's DS047 for a calendar, told in terms of its files: `closed[3].month` of the merged
 * definition is `closed[1].month` of the holidays file when that file gave two rules.
 */
export function inFiles(source: CalendarSource, err: unknown): unknown {
  const e = err as { code?: string; message?: string };
  const m = e.code === "DS047" ? /^invalid definition of calendar "[^"]*": (.*?): (.*)$/s.exec(e.message ?? "") : null;
  if (!m) return err;
  let [, field, problem] = m as unknown as [string, string, string];
  let file = source.file;
  const rule = /^(closed|early-close)\[(\d+)\](.*)$/.exec(field);
  if (rule && source.holidays) {
    const list = rule[1] as "closed" | "early-close";
    const shared = source.holidays[list];
    const i = Number(rule[2]);
    if (i < shared) file = source.holidays.file;
    field = `${list}[${i < shared ? i : i - shared}]${rule[3]}`;
  }
  if (field === "name") problem = `the file name must be the calendar name: ${problem}`;
  return invalidCalendarFile(file, `${field}: ${problem}`);
}
