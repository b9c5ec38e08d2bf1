/**
 * A local HTTP server that answers like an exchange from recorded responses
 * (test/fixtures/exchanges/), so that sources are tested without a network: point a
 * source at it with api-url (or DS_EXAMPLE_EXCHANGE_URL for the examples in builders/).
 *
 * Binance's public REST endpoints that ccxt's fetchOHLCV and fetchTrades use are served
 * the way Binance serves them: exchangeInfo from the recorded file, klines and aggTrades
 * from the recorded rows, filtered by symbol, interval, startTime, endTime and limit.
 * A `routes` entry answers any other path (an http source's vendor) from a function.
 *
 * Faults are queued per path and consumed in order, one per request: a status (429, 500),
 * a truncated body (invalid JSON), a dropped connection. Every request is counted per path
 * (faulty ones included) and its headers kept, so tests assert retries exactly.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { projectRoot } from "../../db/project-root.ts";

export type Fault = { status: number; body?: string } | { truncate: true } | { drop: true };

export interface ExchangeFixtureServer {
  /** http://127.0.0.1:<port>: the api-url of a source. */
  url: string;
  /** Requests per path, faulty ones included. */
  requests: Map<string, number>;
  /** Every request's path and query, in order. */
  log: { path: string; query: URLSearchParams; headers: IncomingMessage["headers"]; at: number }[];
  /** Queues `times` faults on a path (the next requests of that path get them, in order). */
  fail(path: string, fault: Fault, times?: number): void;
  /** Requests of a path. */
  count(path: string): number;
  reset(): void;
  close(): Promise<void>;
}

export type Route = (query: URLSearchParams, req: IncomingMessage) => { status?: number; type?: string; body: string };

const fixtures = join(projectRoot(), "test", "fixtures", "exchanges");
const json = (file: string): unknown => JSON.parse(readFileSync(join(fixtures, file), "utf8"));

/** Binance's answers, from the recorded files under test/fixtures/exchanges/binance/. */
function binanceRoutes(): Record<string, Route> {
  const klines = json("binance/klines.json") as Record<string, Record<string, unknown[][]>>;
  const trades = json("binance/aggTrades.json") as Record<string, { T: number }[]>;
  const page = <T>(rows: T[], ts: (r: T) => number, q: URLSearchParams, max: number, dflt: number) => {
    const start = Number(q.get("startTime") ?? -Infinity);
    const end = Number(q.get("endTime") ?? Infinity);
    const limit = Math.min(Number(q.get("limit") ?? dflt), max);
    return rows.filter((r) => ts(r) >= start && ts(r) <= end).slice(0, limit);
  };
  const ok = (body: unknown) => ({ body: JSON.stringify(body) });
  return {
    "/api/v3/exchangeInfo": () => ok(json("binance/exchangeInfo.json")),
    "/fapi/v1/exchangeInfo": () => ok(json("binance/exchangeInfo-empty.json")),
    "/dapi/v1/exchangeInfo": () => ok(json("binance/exchangeInfo-empty.json")),
    // asked by ccxt's loadMarkets when credentials are set
    "/sapi/v1/margin/allPairs": () => ok([]),
    "/sapi/v1/margin/isolated/allPairs": () => ok([]),
    "/api/v3/klines": (q) => ok(page(klines[q.get("symbol")!]?.[q.get("interval")!] ?? [], (r) => r[0] as number, q, 1000, 500)),
    "/api/v3/aggTrades": (q) => ok(page(trades[q.get("symbol")!] ?? [], (r) => r.T, q, 1000, 500)),
  };
}

export async function startExchangeFixtureServer(extra: Record<string, Route> = {}): Promise<ExchangeFixtureServer> {
  const routes: Record<string, Route> = { ...binanceRoutes(), ...extra };
  const faults = new Map<string, Fault[]>();
  const requests = new Map<string, number>();
  const log: ExchangeFixtureServer["log"] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://fixture");
    requests.set(url.pathname, (requests.get(url.pathname) ?? 0) + 1);
    log.push({ path: url.pathname, query: url.searchParams, headers: req.headers, at: performance.now() });
    const fault = faults.get(url.pathname)?.shift();
    if (fault && "drop" in fault) return void req.socket.destroy();
    const route = routes[url.pathname];
    if (fault && "status" in fault) {
      res.writeHead(fault.status, { "content-type": "application/json" });
      return void res.end(fault.body ?? JSON.stringify({ code: -1000 - fault.status, msg: `fixture fault ${fault.status}` }));
    }
    if (!route) {
      res.writeHead(404, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ code: -1, msg: `no fixture for ${url.pathname}` }));
    }
    const answer = route(url.searchParams, req);
    const body = fault && "truncate" in fault ? answer.body.slice(0, Math.max(1, Math.floor(answer.body.length / 2))) : answer.body;
    res.writeHead(answer.status ?? 200, { "content-type": answer.type ?? "application/json" });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    log,
    fail(path, fault, times = 1) {
      faults.set(path, [...(faults.get(path) ?? []), ...Array.from({ length: times }, () => fault)]);
    },
    count: (path) => requests.get(path) ?? 0,
    reset() {
      faults.clear();
      requests.clear();
      log.length = 0;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
