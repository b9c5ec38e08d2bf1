/**
 * The values of command-line options (and of the environment variables that stand in for
 * them), validated once with zod: a bad value is one DS038 line naming the option, what was
 * given and what is expected — never a NaN that runs, nor a silent default.
 *
 * @example
 * optionValue("worker", "--concurrency", "abc", concurrency);
 * // DsError DS038: ds worker: --concurrency "abc" is not an integer from 1 to 256
 */
import { z } from "zod";
import { DsError } from "../db/errors.ts";

/** An integer option in [min, max], written in decimal digits only. */
export function integerOption(min: number, max: number) {
  const expected = `an integer from ${min} to ${max}`;
  return z.string().regex(/^[0-9]{1,9}$/, expected).transform(Number)
    .pipe(z.number().int().min(min, expected).max(max, expected));
}

/** Chunks one process runs at once (each holds a database connection). */
export const concurrency = integerOption(1, 256);
/** A TCP port to connect to (the embedded database's). */
export const port = integerOption(1, 65535);
/** A TCP port to listen on; 0 lets the system choose a free one (printed at start). */
export const listenPort = integerOption(0, 65535);
/** A host name or address to listen on. */
export const host = z.string().regex(/^[A-Za-z0-9.:_\[\]-]{1,253}$/, "a host name or IP address");

/**
 * Parses `given` with `schema`; `name` is how the user wrote it (`--port`, `$PORT`).
 * Undefined stays undefined (the caller's default applies).
 */
export function optionValue<T>(verb: string, name: string, given: unknown, schema: z.ZodType<T, string>, usage?: string): T | undefined {
  if (given === undefined) return undefined;
  const parsed = schema.safeParse(String(given));
  if (parsed.success) return parsed.data;
  const expected = parsed.error.issues[0]?.message ?? "invalid";
  throw new DsError("DS038", `${verb ? `ds ${verb}: ` : ""}${name} "${String(given)}" is not ${expected}`, {
    hint: usage ? `usage: ds ${verb} ${usage}` : `Give ${name} ${expected}.`,
  });
}

/** An option from the command line, else from an environment variable, else the default. */
export function optionOrEnv<T>(verb: string, option: string, given: unknown, env: string, schema: z.ZodType<T, string>, fallback: T, usage?: string): T {
  return optionValue(verb, option, given, schema, usage) ?? optionValue(verb, `$${env}`, process.env[env] || undefined, schema) ?? fallback;
}
