/** The shape of a verb, and parsing its arguments with the global options. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { DsError } from "../db/errors.ts";
import { globalOptionSpec, type GlobalOptions } from "./context.ts";

/** A verb's code (its summary lives in verbs.ts, so that `ds --help` loads no verb). */
export interface Verb {
  run(args: string[]): Promise<number>;
}

export function parseVerbArgs<O extends NonNullable<ParseArgsConfig["options"]>>(
  verb: string,
  usage: string,
  args: string[],
  options: O,
  positionals: string[] = [],
) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...globalOptionSpec, ...options }, allowPositionals: positionals.length > 0, strict: true });
  } catch (err) {
    // node's messages run on with advice about "--": the first sentence says it
    const first = (err as Error).message.split(/\.\s|\n/)[0]!.replace(/\.$/, "");
    throw new DsError("DS038", `ds ${verb}: ${first}`, { hint: `usage: ds ${verb} ${usage}` });
  }
  const values = parsed.values as GlobalOptions & Record<string, string | boolean | undefined>;
  if (values.help) return { help: true as const, values, positionals: parsed.positionals };
  if (parsed.positionals.length !== positionals.length) {
    throw new DsError("DS038", `ds ${verb} takes ${positionals.join(" ") || "no arguments"}, got ${parsed.positionals.length} argument(s)`, {
      hint: `usage: ds ${verb} ${usage}`,
    });
  }
  return { help: false as const, values, positionals: parsed.positionals };
}

/** A timestamp argument: ISO 8601 date or date-time (UTC unless an offset is given). */
export function parseTimestamp(name: string, text: string): string {
  const iso = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
  if (!iso.test(text) || Number.isNaN(Date.parse(text.replace(" ", "T")))) {
    throw new DsError("DS012", `${name} "${text}" is not a timestamp`, { hint: "Use ISO 8601, for example 2024-01-31 or 2024-01-31T16:00:00Z." });
  }
  return /[Zz]|[+-]\d{2}:?\d{2}$/.test(text) || text.length === 10 ? (text.length === 10 ? `${text}T00:00:00Z` : text) : `${text}Z`;
}

export function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    // the handlers stay installed: a second Ctrl-C must not kill a chunk mid-commit
    const on = (sig: string) => {
      if (process.env.DS_DEBUG) console.error(`received ${sig}`);
      resolve(sig);
    };
    const onInt = () => on("SIGINT");
    const onTerm = () => on("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
  });
}
