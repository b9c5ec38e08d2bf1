import { startServer } from "../../server/start-server.ts";
import { openContext } from "../context.ts";
import { parseVerbArgs, waitForSignal, type Verb } from "../verb.ts";

const usage = "[--host HOST] [--port PORT] [--database-url URL]";

/** Parses --host/--port (default 127.0.0.1:4000). */
export function listenOptions(values: Record<string, unknown>): { host: string; port: number } {
  const port = Number(values.port ?? process.env.PORT ?? 4000);
  return { host: String(values.host ?? process.env.HOST ?? "127.0.0.1"), port: Number.isInteger(port) ? port : 4000 };
}

export const serve: Verb = {
  summary: "GraphQL, REST, health and metrics over HTTP (default http://127.0.0.1:4000)",
  async run(args) {
    const { help, values } = parseVerbArgs("serve", usage, args, { host: { type: "string" }, port: { type: "string" } });
    if (help) {
      console.log(`usage: ds serve ${usage}
Serves GraphQL at /graphql (GraphiQL at /graphiql, subscriptions over WebSocket), the REST API
of the original builder server at /api/v1, /health and /metrics. API keys: API_KEYS=label:sha256hex,...`);
      return 0;
    }
    const ctx = await openContext(values, { poolSize: 20 });
    try {
      const server = await startServer({ pool: ctx.pool, databaseUrl: ctx.db.url, buildersDir: ctx.buildersDir, ...listenOptions(values) });
      console.log(`datastream server on ${server.url}
  GraphQL:  ${server.url}/graphql   (GraphiQL: ${server.url}/graphiql)
  REST:     ${server.url}/api/v1/status${process.env.API_KEYS ? "" : "  (no API_KEYS: REST routes but /status answer 401; ds api-key LABEL makes a key)"}
  health:   ${server.url}/health   metrics: ${server.url}/metrics`);
      await waitForSignal();
      await server.close();
    } finally {
      await ctx.close();
    }
    return 0;
  },
};
