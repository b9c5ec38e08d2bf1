import { openContext } from "../context.ts";
import { concurrency as concurrencyOption, optionValue } from "../options.ts";
import { parseVerbArgs, waitForSignal, type Verb } from "../verb.ts";

export const worker: Verb = {
  async run(args) {
    const usage = "[--concurrency N] [--builders DIR]";
    const { help, values } = parseVerbArgs("worker", usage, args, { concurrency: { type: "string" } });
    if (help) return (console.log("usage: ds worker [--concurrency N] [--builders DIR]\nRuns chunks until Ctrl-C; a running chunk commits or rolls back whole."), 0);
    const concurrency = optionValue("worker", "--concurrency", values.concurrency, concurrencyOption, usage) ?? 2;
    const ctx = await openContext(values, { poolSize: concurrency + 4, writes: "ds worker" });
    try {
      const { startWorker } = await import("../../worker/run-worker.ts"); // only this verb needs it
      const running = await startWorker({ pool: ctx.pool, connectionString: ctx.db.url, buildersDir: ctx.buildersDir, concurrency });
      console.log(`worker ${running.id} running (concurrency ${concurrency}, builders ${ctx.buildersDir}); Ctrl-C stops it`);
      await waitForSignal();
      console.log("stopping: waiting for running chunks to finish");
      await running.stop();
    } finally {
      await ctx.close();
    }
    return 0;
  },
};
