import { openContext } from "../context.ts";
import { parseVerbArgs, type Verb } from "../verb.ts";
import { migrate as runMigrations } from "../../db/migrate.ts";

export const migrate: Verb = {
  async run(args) {
    const { help, values } = parseVerbArgs("migrate", "[--database-url URL]", args, {});
    if (help) return (console.log("usage: ds migrate [--database-url URL]\nApplies migrations/ (forward-only) and sql/ (when changed)."), 0);
    const ctx = await openContext(values, { writes: "ds migrate" });
    try {
      const result = await runMigrations(ctx.pool);
      console.log(`migrated: ${result.applied.length} migration(s) applied${result.sqlReapplied ? ", sql/ re-applied" : ""}`);
    } finally {
      await ctx.close();
    }
    return 0;
  },
};
