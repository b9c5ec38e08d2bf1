/**
 * GET /api/v1/stream/{name}/{version}[?KEY=VALUE...]: Server-Sent Events of the new rows of a
 * dataset version, for clients without GraphQL (docs/push.md). One event per chunk or write
 * that commits rows (NOTIFY ds_data, as the newRows subscription), within about a second:
 *
 *     id: 2024-03-01T14:31:00+00:00
 *     event: rows
 *     data: {"dataset":"w-ticks","version":"0.1.0","rows":2,"first":"...","last":"...","truncated":false,"values":[{"ts":"...","data":{...}}]}
 *
 * - `values` holds the rows stored in [first, last] (matching the key filters), at most
 *   DS_MAX_PUSH_ROWS; past it `truncated` is true and the client reads the range with GET /data.
 *   With key filters, an event without a matching row is not sent.
 * - `id` is the event's last ts. A client that reconnects with `Last-Event-ID` (EventSource
 *   does) first gets one event `catch-up` with the rows stored after that ts (same bound).
 * - A comment line every DS_STREAM_HEARTBEAT_MS (15 s) keeps proxies from closing the stream;
 *   when the client goes, the subscription ends. On a standby or behind a transaction pooler
 *   there is no LISTEN: the stream stays open with heartbeats only (a comment says why).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { limitsOf, type ServerContext } from "../mount.ts";
import { readPushedRows, type PushedRows } from "../graphql/notify-streams.ts";
import type { Target } from "./data-route.ts";
import { keyFilters } from "./key-filters.ts";
import { pushStreamsOf } from "./push-streams.ts";
import { parseTimestamp } from "./request-params.ts";

interface EventHead {
  dataset: string;
  version: string;
  rows: number | null;
  first: string;
  last: string | null;
}

/** An SSE event whose data is one JSON line (rows' data kept as their exact JSON text). */
function sseEvent(id: string | null, name: string, event: EventHead, pushed: PushedRows): string {
  const values = pushed.rows.map((r) => `{"ts":${JSON.stringify(r.ts)},"data":${r.data}}`).join(",");
  const data = `${JSON.stringify({ ...event, truncated: pushed.truncated }).slice(0, -1)},"values":[${values}]}`;
  return `${id ? `id: ${id}\n` : ""}event: ${name}\ndata: ${data}\n\n`;
}

export async function getStream(ctx: ServerContext, res: ServerResponse, { name, version }: Target, query: URLSearchParams, req: IncomingMessage): Promise<void> {
  const limits = limitsOf(ctx);
  const lastIdText = req.headers["last-event-id"];
  const lastId = typeof lastIdText === "string" && lastIdText.trim() !== "" ? parseTimestamp(lastIdText) : null;
  // unknown dataset (DS001, 404) or a bad version (DS002, 400) before the stream starts
  await ctx.pool.query("select from ds_server.pushed_rows($1, $2, 'epoch', 'epoch', null, 0)", [name, version]);
  const { filters } = await keyFilters(ctx.pool, name, version, query, new Set());
  const filter = Object.keys(filters).length ? filters : null;
  const headers = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no", connection: "keep-alive" };
  if (req.method === "HEAD") {
    res.writeHead(200, headers).end(); // the headers of the stream, without opening one
    return;
  }
  const push = pushStreamsOf(ctx);
  const gone = new AbortController();
  const events = push.streams.newRowsUntil(JSON.stringify([name, version, filter]), gone.signal);
  res.writeHead(200, headers);
  res.write(`retry: 2000\n: ${name} ${version}${push.silent ? `: ${push.silent}, no live events (heartbeats only)` : ""}\n\n`);
  const heartbeat = setInterval(() => res.destroyed || res.write(": heartbeat\n\n"), limits.streamHeartbeatMs);
  res.once("close", () => gone.abort());
  try {
    // the subscription is opened before the catch-up is read: a write meanwhile is in one or the other (or both)
    const first = events.next();
    if (lastId !== null) {
      const caught = await readPushedRows(ctx.pool, name, version, lastId, null, filter, limits.maxPushRows, true);
      const last = caught.rows.at(-1)?.ts ?? null;
      res.write(sseEvent(last, "catch-up", { dataset: name, version, rows: null, first: lastId, last }, caught));
    }
    for (let next = await first; !next.done && !res.destroyed; next = await events.next()) {
      const e = next.value;
      res.write(sseEvent(e.last, "rows", { dataset: e.dataset, version: e.version, rows: e.rows, first: e.first, last: e.last }, await e.pushed()));
    }
  } finally {
    clearInterval(heartbeat);
    gone.abort();
    await events.return(undefined);
    if (!res.destroyed) res.end();
  }
}
