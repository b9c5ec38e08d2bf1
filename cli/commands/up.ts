import { openContext } from "../context.ts";
import { parseVerbArgs, waitForSignal, type Verb } from "../verb.ts";
import { keyAdvice } from "../key-advice.ts";
import { listenOptions } from "../listen-options.ts";
import { concurrency as concurrencyOption, optionValue } from "../options.ts";
import { syncAll } from "./sync.ts";

export const up: Verb = {
  async run(args) {
    const usage = "[--database-url URL] [--builders DIR] [--concurrency N] [--host HOST] [--port PORT]";
    const { help, values } = parseVerbArgs("up", usage, args, { concurrency: { type: "string" }, host: { type: "string" }, port: { type: "string" } });
    if (help) return (console.log(`usage: ds up ${usage}\nStarts (or uses) the database, migrates, syncs, and runs a worker and the server until Ctrl-C.`), 0);
    const concurrency = optionValue("up", "--concurrency", values.concurrency, concurrencyOption, usage) ?? 2;
    const listen = listenOptions("up", values, usage);
    const ctx = await openContext(values, { migrateFirst: true, poolSize: concurrency + 20, writes: "ds up (migrations, a worker)" });
    try {
      console.log(await syncAll(ctx));
      // loaded here, not when the CLI starts: other verbs need neither PostGraphile nor the worker
      const [{ startWorker }, { startServer }] = await Promise.all([import("../../worker/run-worker.ts"), import("../../server/start-server.ts")]);
      const worker = await startWorker({ pool: ctx.pool, connectionString: ctx.db.url, buildersDir: ctx.buildersDir, concurrency });
      const server = await startServer({ pool: ctx.pool, databaseUrl: ctx.db.url, buildersDir: ctx.buildersDir, ...listen });
      const shown = new URL(ctx.db.url);
      console.log(`datastream is up
  database: ${shown.toString()}${ctx.db.embedded ? ` (embedded PostgreSQL in ${ctx.db.dir})` : ""}
  psql:     psql '${shown.toString()}' -c "select ds.build('mock-ohlc', '0.1.0', '2024-01-01', '2024-01-31')"
  web UI:   ${server.url}/
  GraphQL:  ${server.url}/graphql   (GraphiQL: ${server.url}/graphiql)
  REST:     ${server.url}/api/v1/status${await keyAdvice(ctx.pool)}
  health:   ${server.url}/health   metrics: ${server.url}/metrics
  worker:   ${worker.id} (concurrency ${concurrency})
Ctrl-C stops it.`);
      await waitForSignal();
      console.log("stopping: waiting for running chunks to finish");
      await server.close();
      await worker.stop();
    } finally {
      await ctx.close();
    }
    return 0;
  },
};
