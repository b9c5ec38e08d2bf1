import { startWorker } from "../../worker/run-worker.ts";
import { openContext } from "../context.ts";
import { parseVerbArgs, waitForSignal, type Verb } from "../verb.ts";
import { syncAll } from "./sync.ts";

export const up: Verb = {
  summary: "database, migrations, sync and worker in one process (what npm start runs)",
  async run(args) {
    const { help, values } = parseVerbArgs("up", "[--database-url URL] [--builders DIR] [--concurrency N]", args, { concurrency: { type: "string" } });
    if (help) return (console.log("usage: ds up [--database-url URL] [--builders DIR] [--concurrency N]\nStarts (or uses) the database, migrates, syncs and runs a worker until Ctrl-C."), 0);
    const concurrency = Number(values.concurrency ?? 2);
    const ctx = await openContext(values, { migrateFirst: true, poolSize: concurrency + 6 });
    try {
      console.log(await syncAll(ctx));
      const worker = await startWorker({ pool: ctx.pool, connectionString: ctx.db.url, buildersDir: ctx.buildersDir, concurrency });
      const shown = new URL(ctx.db.url);
      console.log(`datastream is up
  database: ${shown.toString()}${ctx.db.embedded ? " (embedded PostgreSQL in ./.datastream)" : ""}
  psql:     psql '${shown.toString()}' -c "select ds.build('mock-ohlc', '0.1.0', '2024-01-01', '2024-01-31')"
  worker:   ${worker.id} (concurrency ${concurrency})
Ctrl-C stops it.`);
      await waitForSignal();
      console.log("stopping: waiting for running chunks to finish");
      await worker.stop();
    } finally {
      await ctx.close();
    }
    return 0;
  },
};
