import { openContext } from "../context.ts";
import { followBuild } from "../follow-build.ts";
import { parseTimestamp, parseVerbArgs, type Verb } from "../verb.ts";

const usage = "NAME VERSION START END [--wait] [--json]";

/** `ds build` (ds.build: what is missing) and `ds rebuild` (ds.rebuild: every point, README "Code versions"). */
function buildVerb(verb: "build" | "rebuild"): Verb {
  const what = verb === "build"
    ? "Enqueues what is missing"
    : "Recomputes every built point of the range (after its builder code changed: ds status shows code stale) and what is missing;\nits dependents are invalidated there";
  return {
    async run(args) {
      const { help, values, positionals } = parseVerbArgs(verb, usage, args, { wait: { type: "boolean" }, json: { type: "boolean" } }, ["NAME", "VERSION", "START", "END"]);
      if (help) return (console.log(`usage: ds ${verb} ${usage}\n${what}; --wait follows progress until the build ends (needs a running worker).\n--json prints {"build": ID, "state": STATE, "error": TEXT|null} (the state it ended in with --wait).`), 0);
      const [name, version, start, end] = positionals as [string, string, string, string];
      const startAt = parseTimestamp("START", start);
      const endAt = parseTimestamp("END", end);
      const ctx = await openContext(values);
      try {
        const { rows } = await ctx.pool.query<{ id: number }>(`select ds.${verb}($1, $2, $3, $4) as id`, [name, version, startAt, endAt]);
        const id = rows[0]!.id;
        if (!values.wait) {
          console.log(values.json ? JSON.stringify({ build: id, state: "queued", error: null }) : `build ${id} queued`);
          return 0;
        }
        const result = await followBuild(ctx.pool, ctx.db.url, id, Boolean(process.stderr.isTTY));
        console.log(values.json
          ? JSON.stringify({ build: id, state: result.state, error: result.error ?? null })
          : `build ${id} ${result.state}${result.error ? `: ${result.error}` : ""}`);
        return result.state === "succeeded" ? 0 : 1;
      } finally {
        await ctx.close();
      }
    },
  };
}

export const build = buildVerb("build");
export const rebuild = buildVerb("rebuild");
