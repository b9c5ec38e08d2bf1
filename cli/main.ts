/**
 * `ds <verb>`: the command line of datastream. User errors print one line with their
 * hint and exit 1; Ctrl-C stops long-running verbs gracefully.
 */
import { formatError, isUserError, DsError } from "../db/errors.ts";
import { verbs } from "./verbs.ts";

const usage = `usage: ds <verb> [options]

verbs:
${Object.entries(verbs).map(([name, v]) => `  ${name.padEnd(11)}${v.summary}`).join("\n")}

options for every verb:
  --database-url URL  database to use (default $DATABASE_URL, else the embedded PostgreSQL in ./.datastream)
  --builders DIR      datasets directory (default $DS_BUILDERS or ./builders)
  --calendars DIR     calendars directory (default the project's calendars/)
  -h, --help          help for a verb`;

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === "--help" || verb === "-h" || verb === "help") {
    console.log(usage);
    return verb ? 0 : 1;
  }
  const command = verbs[verb];
  if (!command) {
    console.error(`error DS038: unknown verb "${verb}" — hint: run ds --help for the list`);
    return 1;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(formatError(err));
    if (!isUserError(err) && !(err instanceof DsError) && process.env.DS_DEBUG) console.error(err);
    process.exitCode = 1;
  },
);
