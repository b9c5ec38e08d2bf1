import { syncCalendars } from "../../datasets/sync-calendars.ts";
import { syncDatasets } from "../../datasets/sync.ts";
import { openContext, type Context } from "../context.ts";
import { parseVerbArgs, type Verb } from "../verb.ts";

/** Load calendars/ and builders/ into the database. */
export async function syncAll(ctx: Context): Promise<string> {
  const calendars = await syncCalendars(ctx.pool, ctx.calendarsDir);
  const datasets = await syncDatasets(ctx.pool, ctx.buildersDir);
  return `synced ${calendars.length} calendar(s), ${datasets.registered.length} dataset version(s) registered or updated, ${datasets.unchanged.length} unchanged`;
}

export const sync: Verb = {
  async run(args) {
    const { help, values } = parseVerbArgs("sync", "[--builders DIR] [--calendars DIR]", args, {});
    if (help) return (console.log("usage: ds sync [--builders DIR] [--calendars DIR]\nRegisters every calendar and dataset version; unchanged ones are left as they are."), 0);
    const ctx = await openContext(values, { migrateFirst: true, writes: "ds sync" });
    try {
      console.log(await syncAll(ctx));
    } finally {
      await ctx.close();
    }
    return 0;
  },
};
