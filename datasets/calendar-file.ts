/**
 * The shape of calendar files (`calendars/<name>.toml`) and of the shared holiday files
 * they include (`holidays = "holidays/nyse.toml"`), checked with zod. Rules are only
 * checked here; SQL (`ds.register_calendar`) expands them into sessions.
 */
import { TomlDate } from "smol-toml";
import { z } from "zod";

const weekday = z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);
const year = z.int().min(1900).max(2200);
const time = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, "expected a time HH:MM from 00:00 to 23:59");
const isoDay = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const day = z.union(
  [
    z.string().regex(isoDay),
    z
      .instanceof(TomlDate)
      .refine((d) => d.isDate(), "expected a date such as 2001-09-11")
      .transform((d) => d.toISOString()),
  ],
  { error: "expected a date such as 2001-09-11" },
);

/** A holiday or early-close rule; see calendars/holidays/nyse.toml for the forms. */
const rule = z
  .strictObject({
    name: z.string().min(1),
    month: z.int().min(1).max(12).optional(),
    day: z.int().min(1).max(31).optional(),
    weekday: weekday.optional(),
    nth: z.union([z.literal(-1), z.int().min(1).max(5)], { error: "expected 1 to 5, or -1 for the last" }).optional(),
    "easter-offset": z.int().optional(),
    dates: z.array(day).min(1).optional(),
    offset: z.int().optional(),
    "only-on": z.array(weekday).min(1).optional(),
    observance: z.enum(["none", "nearest-weekday", "sunday-to-monday"]).optional(),
    from: year.optional(),
    until: year.optional(),
    years: z.array(year).min(1).optional(),
  })
  .superRefine((r, ctx) => {
    const forms = [r.dates, r["easter-offset"], r.month].filter((f) => f !== undefined).length;
    if (forms !== 1) ctx.addIssue({ code: "custom", message: "expected exactly one of month, easter-offset or dates" });
    if (r.month !== undefined && r.day === undefined && r.weekday === undefined) {
      ctx.addIssue({ code: "custom", path: ["day"], message: "a month rule needs day, or weekday and nth" });
    }
    if ((r.weekday === undefined) !== (r.nth === undefined)) {
      ctx.addIssue({ code: "custom", path: ["nth"], message: "weekday and nth go together" });
    }
    if (r.nth === -1 && r.day !== undefined) {
      ctx.addIssue({ code: "custom", path: ["day"], message: "the last weekday of a month (nth = -1) takes no day" });
    }
  });

export type CalendarRule = z.infer<typeof rule>;

/** A shared file of holidays, closures and early closes. */
export const holidayFileSchema = z.strictObject({
  description: z.string().optional(),
  closed: z.array(rule).default([]),
  "early-close": z.array(rule).default([]),
});

/** A calendar file. */
export const calendarFileSchema = z
  .strictObject({
    description: z.string().min(1),
    kind: z.enum(["daily", "intraday", "always-open"]),
    weekdays: z.array(weekday).min(1).optional(),
    "first-year": year.optional(),
    "last-year": year.optional(),
    holidays: z
      .string()
      .regex(/^[a-z0-9_-]+(\/[a-z0-9_-]+)*\.toml$/, "expected a path such as holidays/nyse.toml, relative to the calendars directory")
      .optional(),
    session: z
      .strictObject({ "time-zone": z.string().min(1), open: time, close: time, "early-close": time.optional() })
      .refine((s) => s.open < s.close && s.open < (s["early-close"] ?? s.close), "open must come before close and early-close")
      .optional(),
    closed: z.array(rule).optional(),
    "early-close": z.array(rule).optional(),
    /** A daily calendar whose days end at the close of this intraday calendar's session (ds.asof: when a daily bar is known). */
    "closes-with": z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "expected the name of an intraday calendar, such as nyse").optional(),
  })
  .superRefine((c, ctx) => {
    if (c["closes-with"] !== undefined && c.kind !== "daily") {
      ctx.addIssue({ code: "custom", path: ["closes-with"], message: "only a daily calendar closes with an intraday calendar's sessions" });
    }
    if ((c.kind === "intraday") !== (c.session !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["session"], message: "an intraday calendar has a [session] table, other kinds have none" });
    }
    if ((c["first-year"] ?? 1970) > (c["last-year"] ?? 2100)) {
      ctx.addIssue({ code: "custom", path: ["last-year"], message: "last-year comes before first-year" });
    }
  });

export type CalendarFile = z.infer<typeof calendarFileSchema>;

/** `closed[3].month` from a zod issue path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), "");
}
