/**
 * Generic HTTP sources (README "Sources"): a vendor's URL template filled with the chunk's
 * range and symbol, JSON or CSV answers mapped onto the schema, retries on 429 and
 * truncated bodies, an API key header from the environment only (DS062 without it), and
 * the pace of rate-limit — against a local fixture server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startExchangeFixtureServer, type ExchangeFixtureServer, type Route } from "./support/exchange-fixture-server.ts";
import { binanceConfig, registerConfigs } from "./support/source-datasets.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const H = 3_600_000;
/** The vendor: one bar per hour of [from, to); close = the hour's index in the day + the symbol's offset. */
const hours = (from: number, to: number) => Array.from({ length: Math.max(0, (to - from) / H) }, (_, i) => from + i * H);
const offset = (symbol: string | null) => (symbol === "BBB" ? 100 : 0);
const vendorJson: Route = (q) => ({
  body: JSON.stringify({ data: { items: hours(Date.parse(q.get("from")!), Date.parse(q.get("to")!)).map((t) => ({
    time: new Date(t).toISOString(), c: String(new Date(t).getUTCHours() + offset(q.get("symbol"))), v: 10,
  })) } }),
});
const vendorCsv: Route = (q) => ({
  type: "text/csv",
  body: "t,close,note\r\n" + hours(Number(q.get("from")), Number(q.get("to"))).map((t) => `${t},${new Date(t).getUTCHours() / 2},"a ""quoted"", note"`).join("\r\n") + "\r\n",
});
const vendorAuth: Route = (q, req) => req.headers["x-api-key"] === "vendor-key-55d1" ? vendorJson(q, req) : { status: 401, body: '{"error":"bad key"}' };

const config = (name: string, lines: string[], schema: string[], key: string) => [
  `name = "${name}"`, `version = "0.1.0"`, `calendar = "always-open"`, `granularity = "1h"`, `start-date = 2024-01-01`, `key = ${key}`,
  `max-attempts = 1`, `[schema]`, ...schema, `[source]`, `kind = "http"`, `backoff-ms = 5`, ...lines,
].join("\n");

describe("http sources", () => {
  const db = useWorkerDatabase("sources-http");
  let server: ExchangeFixtureServer;
  const build = async (name: string, start: string, end: string) => {
    const { id } = await db.one<{ id: string }>("select ds.build($1, '0.1.0', $2, $3) as id", [name, start, end]);
    await db.one("select ds.wait($1, '60 seconds')", [id]);
    return db.one<{ state: string; error: string | null; error_code: string | null }>("select state, error, error_code from ds.builds where id = $1", [id]);
  };
  const rows = async (name: string, columns: string) => {
    const { table_name } = await db.one<{ table_name: string }>("select table_name from ds.datasets where name = $1", [name]);
    return db.q(`select ${columns} from ${table_name} order by ts${columns.includes("symbol") ? ", symbol" : ""}`);
  };

  beforeAll(async () => {
    server = await startExchangeFixtureServer({ "/v1/bars": vendorJson, "/v1/bars.csv": vendorCsv, "/v1/private": vendorAuth });
    const symbolSchema = ['symbol = "str"', 'close = "float"', 'volume = "int"'];
    await registerConfigs(db.pool,
      config("vendor-json", [`url = "https://vendor.example/v1/bars?symbol={symbol}&from={start}&to={end}"`, `api-url = "${server.url}"`,
        `symbols = ["AAA", "BBB"]`, `rows = "data.items"`, `fields = { ts = "time", close = "c", volume = "v" }`, "retries = 4"], symbolSchema, '["symbol"]'),
      config("vendor-csv", [`url = "https://vendor.example/v1/bars.csv?from={start_ms}&to={end_ms}"`, `api-url = "${server.url}"`,
        `format = "csv"`, `ts-unit = "ms"`, `fields = { ts = "t" }`], ['close = "float"', 'note = "str"'], "[]"),
      config("vendor-private", [`url = "https://vendor.example/v1/private?symbol={symbol}&from={start}&to={end}"`, `api-url = "${server.url}"`,
        `symbols = ["AAA"]`, `rows = "data.items"`, `fields = { ts = "time", close = "c", volume = "v" }`,
        `auth-header = "X-Api-Key"`, `credentials = "VENDOR"`], symbolSchema, '["symbol"]'),
      config("vendor-paced", [`url = "https://vendor.example/v1/bars?symbol={symbol}&from={start}&to={end}"`, `api-url = "${server.url}"`,
        `symbols = ["AAA", "BBB", "CCC", "DDD", "EEE"]`, `rows = "data.items"`, `fields = { ts = "time", close = "c", volume = "v" }`,
        "rate-limit = 150"], symbolSchema, '["symbol"]'),
      binanceConfig("paced-bars", server.url).replace('["BTC/USDT", "ETH/USDT"]', '["BTC/USDT"]').replace("page-size = 10", "page-size = 4")
        .replace("rate-limit = 1", "rate-limit = 150"));
  });
  afterAll(() => server?.close());
  beforeEach(() => server.reset());

  it("fills the URL template per symbol with the chunk's range and maps JSON fields, retrying 429s and a truncated body", async () => {
    server.fail("/v1/bars", { status: 429 }, 2);
    server.fail("/v1/bars", { truncate: true });
    const result = await build("vendor-json", "2024-01-01 00:00", "2024-01-01 05:00");
    expect(result.state).toBe("succeeded");
    expect(server.count("/v1/bars")).toBe(3 + 2);
    const ok = server.log.filter((l) => l.path === "/v1/bars").slice(3);
    expect(ok.map((l) => Object.fromEntries(l.query))).toEqual(["AAA", "BBB"].map((symbol) => ({
      symbol, from: "2024-01-01T00:00:00.000Z", to: "2024-01-01T06:00:00.000Z" })));
    const got = await rows("vendor-json", "ts, symbol, close, volume");
    expect(got).toHaveLength(12);
    expect(got.slice(0, 2)).toEqual([
      { ts: new Date("2024-01-01T00:00:00Z"), symbol: "AAA", close: 0, volume: 10 },
      { ts: new Date("2024-01-01T00:00:00Z"), symbol: "BBB", close: 100, volume: 10 }]);
  });

  it("reads a CSV answer (quoted fields, epoch milliseconds) into a dataset without key", async () => {
    const result = await build("vendor-csv", "2024-01-01 00:00", "2024-01-01 03:00");
    expect(result.state).toBe("succeeded");
    expect(await rows("vendor-csv", "ts, close, note")).toEqual([0, 1, 2, 3].map((h) => ({
      ts: new Date(Date.UTC(2024, 0, 1, h)), close: h / 2, note: 'a "quoted", note' })));
  });

  it("sends the API key from the environment in its header, and fails with DS062 without it", async () => {
    delete process.env.DS_SOURCE_VENDOR_API_KEY;
    const missing = await build("vendor-private", "2024-01-01 00:00", "2024-01-01 01:00");
    expect(missing).toMatchObject({ state: "failed", error_code: "DS062" });
    expect(server.count("/v1/private")).toBe(0);
    process.env.DS_SOURCE_VENDOR_API_KEY = "vendor-key-55d1";
    try {
      const result = await build("vendor-private", "2024-01-01 00:00", "2024-01-01 01:00");
      expect(result.state).toBe("succeeded");
      expect(server.log[0]!.headers["x-api-key"]).toBe("vendor-key-55d1");
    } finally {
      delete process.env.DS_SOURCE_VENDOR_API_KEY;
    }
  });

  it("keeps rate-limit milliseconds between requests (http and ccxt)", async () => {
    expect((await build("vendor-paced", "2024-01-01 00:00", "2024-01-01 01:00")).state).toBe("succeeded");
    expect((await build("paced-bars", "2024-01-01 00:00", "2024-01-01 11:00")).state).toBe("succeeded");
    // http: rate-limit ms between requests; ccxt: rate-limit ms per unit of the endpoint's weight
    // (ccxt's rateLimit: Binance's spot klines weigh 0.4, so 60 ms apart)
    for (const [path, gap] of [["/v1/bars", 150], ["/api/v3/klines", 150 * 0.4]] as const) {
      const times = server.log.filter((l) => l.path === path).map((l) => l.at);
      expect(times.length).toBeGreaterThanOrEqual(3);
      // over the whole run (one request reaching the server late must not count twice); timers may fire a few ms early
      expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual((times.length - 1) * gap * 0.9);
    }
  });
});
