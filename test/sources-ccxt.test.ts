/**
 * Exchange sources through ccxt (README "Sources"), against recorded Binance responses
 * served by a local fixture server: every bar and trade exactly once, the range before a
 * listing built empty, nothing fetched twice, and 429s, 500s, truncated pages and dropped
 * connections retried with backoff (request counts asserted), then the engine's retries.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { projectRoot } from "../db/project-root.ts";
import { startExchangeFixtureServer, type ExchangeFixtureServer } from "./support/exchange-fixture-server.ts";
import { binanceConfig, registerConfigs } from "./support/source-datasets.ts";
import { expectSqlState } from "./support/test-database.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";
import { BuilderPool } from "../worker/builder-pool.ts";
import { dryRunBuild } from "../worker/dry-run.ts";

const recorded = JSON.parse(readFileSync(join(projectRoot(), "test/fixtures/exchanges/binance/klines.json"), "utf8")) as
  Record<string, Record<string, (number | string)[][]>>;
const trades = JSON.parse(readFileSync(join(projectRoot(), "test/fixtures/exchanges/binance/aggTrades.json"), "utf8")) as
  { BTCUSDT: { a: number; p: string; q: string; T: number; m: boolean }[] };

describe("ccxt sources", () => {
  const db = useWorkerDatabase("sources-ccxt");
  let server: ExchangeFixtureServer;
  const build = async (name: string, start: string, end: string) => {
    const { id } = await db.one<{ id: string }>("select ds.build($1, '0.1.0', $2, $3) as id", [name, start, end]);
    await db.one("select ds.wait($1, '60 seconds')", [id]);
    return db.one<{ state: string; error: string | null; error_code: string | null; rows_written: string }>(
      "select state, error, error_code, rows_written from ds.builds where id = $1", [id]);
  };
  const table = async (name: string) => (await db.one<{ table_name: string }>("select table_name from ds.datasets where name = $1", [name])).table_name;
  const bars = async (name: string) => db.q<{ ts: Date; symbol: string; open: number; high: number; low: number; close: number; volume: number }>(
    `select ts, symbol, open, high, low, close, volume from ${await table(name)} order by symbol, ts`);

  beforeAll(async () => {
    server = await startExchangeFixtureServer();
    await registerConfigs(db.pool,
      binanceConfig("btc-bars", server.url),
      binanceConfig("btc-bars-faults", server.url, ["retries = 10"]),
      binanceConfig("btc-bars-engine", server.url, ["retries = 2"], ["max-attempts = 2"]),
      binanceConfig("btc-bars-secret", server.url, ["retries = 1"], ["max-attempts = 1"]),
      binanceConfig("env-bars", server.url).replace(`api-url = "${server.url}"`, 'api-url-env = "DS_TEST_EXCHANGE_URL_UNSET"'),
      binanceConfig("xrp-bars", server.url, [], ["max-attempts = 3"]).replace('["BTC/USDT", "ETH/USDT"]', '["XRP/USDT"]'),
      [`name = "btc-trades"`, `version = "0.1.0"`, `calendar = "always-open"`, `granularity = "1m"`, `start-date = 2024-01-01`,
        `key = ["symbol", "id"]`, `[schema]`, `symbol = "str"`, `id = "str"`, `price = "float"`, `amount = "float"`, `side = "str?"`,
        `[source]`, `kind = "ccxt"`, `exchange = "binance"`, `symbols = ["BTC/USDT"]`, `fetch = "trades"`,
        `api-url = "${server.url}"`, `page-size = 20`, `rate-limit = 1`].join("\n"));
  });
  afterAll(() => server?.close());
  beforeEach(() => server.reset());

  it("shows source:ccxt as the builder of a source dataset", async () => {
    const row = await db.one("select builder from ds.datasets where name = 'btc-bars'");
    expect(row.builder).toBe("source:ccxt");
  });

  it("fetches every bar exactly once, page by page; before ETH's listing is built empty; built ranges are never fetched again", async () => {
    expect((await build("btc-bars", "2024-01-01", "2024-01-01 23:00")).state).toBe("succeeded");
    // one day of BTC in pages of 10 (10, 10, 4); ETH is not listed yet: one empty answer
    expect(server.count("/api/v3/klines")).toBe(3 + 1);
    const first = await build("btc-bars", "2024-01-01", "2024-01-03 23:00");
    expect(first.state).toBe("succeeded");
    // only days 2 and 3: BTC 3 + 3 pages, ETH (listed 2024-01-02 06:00) 2 + 3
    expect(server.count("/api/v3/klines")).toBe(4 + 6 + 5);
    const rows = await bars("btc-bars");
    const expected = ["BTC/USDT", "ETH/USDT"].flatMap((symbol) => recorded[symbol.replace("/", "")]!["1h"]!.map((k) => ({
      ts: new Date(k[0] as number), symbol, open: Number(k[1]), high: Number(k[2]), low: Number(k[3]), close: Number(k[4]), volume: Number(k[5]),
    })));
    expect(rows).toEqual(expected);
    expect(rows.length).toBe(72 + 42);
    const missing = await db.q("select * from ds.missing('btc-bars', '0.1.0', '2024-01-01', '2024-01-03 23:00')");
    expect(missing).toEqual([]);
    // built: a new build fetches nothing
    server.reset();
    expect((await build("btc-bars", "2024-01-01", "2024-01-03 23:00")).state).toBe("succeeded");
    expect(server.count("/api/v3/klines")).toBe(0);
  });

  it("retries a 429 storm, 500s, a truncated page and a dropped connection with backoff, and writes each bar once", async () => {
    server.fail("/api/v3/klines", { status: 429 }, 4);
    server.fail("/api/v3/klines", { status: 500, body: "<html>bad gateway</html>" }, 2);
    server.fail("/api/v3/klines", { truncate: true });
    server.fail("/api/v3/klines", { drop: true });
    const result = await build("btc-bars-faults", "2024-01-02", "2024-01-02 23:00");
    expect(result.state).toBe("succeeded");
    // 8 faulty answers on the first request, then the 5 pages of the day (BTC 3, ETH 2)
    expect(server.count("/api/v3/klines")).toBe(8 + 5);
    const rows = await bars("btc-bars-faults");
    expect(rows.length).toBe(24 + 18);
    expect(new Set(rows.map((r) => `${r.symbol} ${r.ts.toISOString()}`)).size).toBe(rows.length);
    const task = await db.one<{ attempts: number }>(
      "select t.attempts from ds_private.tasks t join ds_private.dataset_versions v on v.id = t.dataset_version_id where v.name = 'btc-bars-faults'");
    expect(task.attempts).toBe(1);
  });

  it("fails the chunk with DS060 after its retries, and the engine's next attempt builds it", async () => {
    server.fail("/api/v3/klines", { status: 503 }, 3);
    const result = await build("btc-bars-engine", "2024-01-03", "2024-01-03 23:00");
    expect(result.state).toBe("succeeded");
    expect(server.count("/api/v3/klines")).toBe(3 + 6);
    const task = await db.one<{ attempts: number; error_code: string | null }>(
      "select t.attempts, t.error_code from ds_private.tasks t join ds_private.dataset_versions v on v.id = t.dataset_version_id where v.name = 'btc-bars-engine'");
    expect(task.attempts).toBe(2);
    expect((await bars("btc-bars-engine")).length).toBe(48);
  });

  it("reads credentials from the environment only and never writes them into errors", async () => {
    process.env.DS_SOURCE_BINANCE_API_KEY = "key-7f3a9c";
    process.env.DS_SOURCE_BINANCE_SECRET = "secret-b41e2d";
    try {
      server.fail("/api/v3/klines", { status: 500, body: "echo: key-7f3a9c secret-b41e2d" }, 2);
      const result = await build("btc-bars-secret", "2024-01-02", "2024-01-02 23:00");
        expect(result).toMatchObject({ state: "failed", error_code: "DS060" });
      expect(result.error).toContain("[redacted]");
      expect(result.error).not.toMatch(/key-7f3a9c|secret-b41e2d/);
      const stored = await db.one<{ text: string }>("select string_agg(t.error || ' ' || v.source::text, ' ') as text from ds_private.tasks t join ds_private.dataset_versions v on v.id = t.dataset_version_id");
      expect(stored.text).not.toMatch(/key-7f3a9c|secret-b41e2d/);
    } finally {
      delete process.env.DS_SOURCE_BINANCE_API_KEY;
      delete process.env.DS_SOURCE_BINANCE_SECRET;
    }
  });

  it("fails at once with DS061 on a market the exchange does not have", async () => {
    const result = await build("xrp-bars", "2024-01-01", "2024-01-01 23:00");
    expect(result).toMatchObject({ state: "failed", error_code: "DS061" });
    expect(result.error).toMatch(/binance has no market XRP\/USDT/);
    expect(server.count("/api/v3/klines")).toBe(0);
  });

  it("dry-runs a source: fetched and written in the caller's transaction, nothing left after the rollback", async () => {
    const client = await db.pool.connect();
    const builders = new BuilderPool({ size: 1 });
    try {
      await client.query("begin");
      const { chunks } = await dryRunBuild(client, builders, fixtureBuilders, "btc-bars-engine", "0.1.0", "2024-01-01", "2024-01-01 23:00");
      expect(chunks).toBe(1);
      const { table_name } = (await client.query("select table_name from ds.datasets where name = 'btc-bars-engine'")).rows[0];
      expect((await client.query(`select count(*)::int n from ${table_name} where ts < '2024-01-02'`)).rows[0].n).toBe(24);
      await client.query("rollback");
    } finally {
      client.release();
      await builders.close();
    }
    expect(server.count("/api/v3/klines")).toBe(3 + 1);
    const { table_name } = await db.one<{ table_name: string }>("select table_name from ds.datasets where name = 'btc-bars-engine'");
    expect((await db.one<{ n: number }>(`select count(*)::int n from ${table_name} where ts < '2024-01-02'`)).n).toBe(0);
  });

  it("takes api-url from api-url-env, and fails with DS061 without calling anything when it is unset", async () => {
    delete process.env.DS_TEST_EXCHANGE_URL_UNSET;
    const unset = await build("env-bars", "2024-01-01", "2024-01-01 23:00");
    expect(unset).toMatchObject({ state: "failed", error_code: "DS061" });
    expect(unset.error).toMatch(/DS_TEST_EXCHANGE_URL_UNSET \(api-url-env\) is not set/);
    expect(server.log).toHaveLength(0);
    process.env.DS_TEST_EXCHANGE_URL_UNSET = server.url;
    try {
      expect((await build("env-bars", "2024-01-01", "2024-01-01 23:00")).state).toBe("succeeded");
      expect(server.count("/api/v3/klines")).toBe(3 + 1);
    } finally {
      delete process.env.DS_TEST_EXCHANGE_URL_UNSET;
    }
  });

  it("refuses to fetch slots that have not ended (DS061): a forming bar would be covered for good", async () => {
    // the current hour: its bar is still forming
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
    const result = await build("btc-bars", hour, hour);
    expect(result).toMatchObject({ state: "failed", error_code: "DS061" });
    expect(result.error).toMatch(/slots that have not ended/);
    expect(server.count("/api/v3/klines")).toBe(0);
  });

  it("ds.refresh (what [refresh] schedule runs) fetches only what is missing up to the last slot that ended", async () => {
    // btc-bars-faults has day 2 built (an earlier test): a refresh up to 2024-01-04 fetches days 1 and 3
    const { id } = await db.one<{ id: string }>("select ds.refresh('btc-bars-faults', '0.1.0', '2024-01-04') as id");
    expect((await db.one("select ds.wait($1, '60 seconds') as state", [id])).state).toBe("succeeded");
    // day 1: BTC 3 pages, ETH 1 empty answer; day 3: BTC 3, ETH 3
    expect(server.count("/api/v3/klines")).toBe(4 + 6);
    expect((await bars("btc-bars-faults")).length).toBe(72 + 42);
    expect((await db.one("select ds.refresh('btc-bars-faults', '0.1.0', '2024-01-04') as id")).id).toBeNull();
  });

  it("fetches trades as ticks page by page, each trade once with its own timestamp", async () => {
    const result = await build("btc-trades", "2024-01-01 00:00", "2024-01-01 00:59");
    expect(result.state).toBe("succeeded");
    const rows = await db.q<{ ts: Date; id: string; price: number; amount: number; side: string }>(
      `select ts, id, price, amount, side from ${await table("btc-trades")} order by id`);
    const expected = trades.BTCUSDT.filter((t) => t.T < Date.parse("2024-01-01T01:00:00Z")).map((t) => ({
      ts: new Date(t.T), id: String(t.a), price: Number(t.p), amount: Number(t.q), side: t.m ? "sell" : "buy",
    }));
    expect(expected.length).toBeGreaterThan(100);
    expect(rows).toEqual(expected);
    expect(server.count("/api/v3/aggTrades")).toBeGreaterThan(expected.length / 20);
  });
});

describe("[source] registration", () => {
  const db = useWorkerDatabase("sources-registration", { worker: false });
  const url = "http://127.0.0.1:9";

  it("refuses a schema that is not what fetch writes (DS059)", async () => {
    await expectSqlState(registerConfigs(db.pool, binanceConfig("bad-schema", url).replace('volume = "float"', 'volume = "int"')), "DS059");
  });

  it("refuses an unknown kind, an unknown field, a bad api-url and a builder next to [source] (DS059)", async () => {
    await expectSqlState(registerConfigs(db.pool, binanceConfig("bad-kind", url).replace('kind = "ccxt"', 'kind = "ftp"')), "DS059", /unknown source kind/);
    await expectSqlState(registerConfigs(db.pool, binanceConfig("bad-field", url, ["apikey = \"x\""])), "DS059", /unknown field/);
    await expectSqlState(registerConfigs(db.pool, binanceConfig("bad-url", "ftp://x")), "DS059", /api-url/);
    await expectSqlState(registerConfigs(db.pool, binanceConfig("bad-builder", url, [], ['builder = "builder.ts"'])), "DS059", /no builder/);
    await expectSqlState(registerConfigs(db.pool, binanceConfig("bad-symbols", url).replace('["BTC/USDT", "ETH/USDT"]', "[]")), "DS059", /symbols/);
    await expectSqlState(registerConfigs(db.pool, binanceConfig("bad-fetch", url).replace('fetch = "ohlcv"', 'fetch = "book"')), "DS059", /unknown fetch/);
  });

  it("refuses an http source's unknown URL placeholder, a {symbol} without symbols, and an unknown mapped field (DS059)", async () => {
    const http = (lines: string[]) => [`name = "vendor"`, `version = "0.1.0"`, `calendar = "always-open"`, `granularity = "1h"`, `start-date = 2024-01-01`,
      `[schema]`, `close = "float"`, `[source]`, `kind = "http"`, ...lines].join("\n");
    await expectSqlState(registerConfigs(db.pool, http(['url = "https://v.example/b?from={from}"'])), "DS059", /invalid url template/);
    await expectSqlState(registerConfigs(db.pool, http(['url = "https://v.example/b/{symbol}"'])), "DS059", /invalid url template/);
    await expectSqlState(registerConfigs(db.pool, http(['url = "https://v.example/b"', 'fields = { open = "o" }'])), "DS059", /invalid fields/);
    await expectSqlState(registerConfigs(db.pool, http(['url = "https://v.example/b"', 'format = "xml"'])), "DS059", /invalid http source/);
    await registerConfigs(db.pool, http(['url = "https://v.example/b?from={start}&to={end_ms}"', 'fields = { ts = "t", close = "c" }']));
    expect((await db.one("select builder from ds.datasets where name = 'vendor'")).builder).toBe("source:http");
  });
});
