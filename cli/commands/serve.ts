import { openContext } from "../context.ts";
import { keyAdvice } from "../key-advice.ts";
import { listenOptions } from "../listen-options.ts";
import { parseVerbArgs, waitForSignal, type Verb } from "../verb.ts";

const usage = "[--host HOST] [--port PORT] [--database-url URL]";

export const serve: Verb = {
  async run(args) {
    const { help, values } = parseVerbArgs("serve", usage, args, { host: { type: "string" }, port: { type: "string" } });
    if (help) {
      console.log(`usage: ds serve ${usage}
Serves the web UI at /, GraphQL at /graphql (GraphiQL at /graphiql, subscriptions over WebSocket), the REST API
of the original builder server at /api/v1, /health and /metrics. API keys: API_KEYS=label:sha256hex,...
Works on a read-only standby (writes answer DS036) and through a transaction pooler.`);
      return 0;
    }
    const listen = listenOptions("serve", values, usage);
    const ctx = await openContext(values, { poolSize: 20 });
    try {
      // behind a transaction pooler no named prepared statements (read when PostGraphile loads)
      if (ctx.kind.pooled) process.env.DATAPLAN_PG_PREPARED_STATEMENT_CACHE_SIZE ??= "0";
      const { startServer } = await import("../../server/start-server.ts");
      const server = await startServer({ pool: ctx.pool, databaseUrl: ctx.db.url, buildersDir: ctx.buildersDir, connection: ctx.kind, ...listen });
      console.log(`datastream server on ${server.url}${ctx.kind.inRecovery ? " (read-only standby: writes answer DS036)" : ""}${ctx.kind.pooled ? " (through a transaction pooler)" : ""}
  web UI:   ${server.url}/
  GraphQL:  ${server.url}/graphql   (GraphiQL: ${server.url}/graphiql)
  REST:     ${server.url}/api/v1/status${await keyAdvice(ctx.pool)}
  health:   ${server.url}/health   metrics: ${server.url}/metrics`);
      await waitForSignal();
      await server.close();
    } finally {
      await ctx.close();
    }
    return 0;
  },
};
