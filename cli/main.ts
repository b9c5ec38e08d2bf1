/**
 * `ds <verb>`: the command line of datastream. User errors print one line with their
 * hint and exit 1 (usage errors, DS038, exit 2); Ctrl-C stops long-running verbs
 * gracefully. Only the verb that runs is loaded (cli/verbs.ts).
 */
import { readFileSync } from "node:fs";
import { formatError, isUserError, DsError } from "../db/errors.ts";
import { verbs } from "./verbs.ts";

const usage = `usage: ds <verb> [options]

verbs:
${Object.entries(verbs).map(([name, v]) => `  ${name.padEnd(11)}${v.summary}`).join("\n")}

options for every verb:
  --database-url URL  database to use (default $DATABASE_URL, else the embedded PostgreSQL in ./.datastream)
  --builders DIR      datasets directory (default $DS_BUILDERS or ./builders)
  --calendars DIR     calendars directory (default the project's calendars/)
  -h, --help          help for a verb
  --json              machine-readable output (status, build, delete, import, calendars)

ds --version prints the version.`;

/** Exit status of a command-line usage error (DS038), as getopt-style tools do. */
const USAGE_EXIT = 2;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return `ds (datastream) ${pkg.version}`;
}

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === "--help" || verb === "-h" || verb === "help") {
    console.log(usage);
    return 0;
  }
  if (verb === "--version" || verb === "-V") {
    console.log(version());
    return 0;
  }
  const command = verbs[verb];
  if (!command) {
    console.error(`error DS038: unknown verb "${verb}" — hint: run ds --help for the list\n\n${usage}`);
    return USAGE_EXIT;
  }
  return (await command.load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(formatError(err));
    if (!isUserError(err) && !(err instanceof DsError) && process.env.DS_DEBUG) console.error(err);
    process.exitCode = err instanceof DsError && err.code === "DS038" ? USAGE_EXIT : 1;
  },
);
