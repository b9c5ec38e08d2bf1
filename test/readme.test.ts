/** The README's psql examples, run statement by statement against the example datasets. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncDatasets } from "../datasets/sync.ts";
import { createPool } from "../db/pool.ts";
import { projectRoot } from "../db/project-root.ts";
import { startWorker, type RunningWorker } from "../worker/run-worker.ts";
import { startExchangeFixtureServer, type ExchangeFixtureServer } from "./support/exchange-fixture-server.ts";
import { useTestDatabase } from "./support/test-database.ts";

const readme = readFileSync(join(projectRoot(), "README.md"), "utf8");
const sqlBlocks = [...readme.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);

/** Split a block into statements (no semicolons inside literals in the README). */
const statements = (block: string) =>
  block.replace(/--.*$/gm, "").split(";").map((s) => s.trim()).filter(Boolean);

describe("README examples", () => {
  const db = useTestDatabase("readme");
  let worker: RunningWorker;
  // the crypto-* examples' source reads Binance's recorded answers from this server (README "Sources")
  let exchange: ExchangeFixtureServer;
  beforeAll(async () => {
    exchange = await startExchangeFixtureServer();
    process.env.DS_EXAMPLE_EXCHANGE_URL = exchange.url;
    await db.pool.end();
    db.pool = createPool(db.url, { max: 8 });
    await syncDatasets(db.pool, join(projectRoot(), "builders"));
    worker = await startWorker({ pool: db.pool, connectionString: db.url, buildersDir: join(projectRoot(), "builders"), log: () => {} });
  });
  // the README's BI example creates a login role, which is shared by the whole server
  const dropExampleRole = () => db.pool.query("drop role if exists metabase");
  beforeAll(() => dropExampleRole());
  afterAll(async () => {
    await worker?.stop();
    await exchange?.close();
    delete process.env.DS_EXAMPLE_EXCHANGE_URL;
    await dropExampleRole();
  });

  it("has the quick-start and calendar examples", () => {
    expect(sqlBlocks.length).toBeGreaterThanOrEqual(2);
  });

  it("documents a config.toml that parses", async () => {
    const { parseDatasetConfig } = await import("../datasets/config.ts");
    const tomls = [...readme.matchAll(/```toml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(tomls.length).toBeGreaterThanOrEqual(1);
    expect(parseDatasetConfig(tomls[0]!, "README.md").name).toBe("mock-moving-avg");
    // the others are the configs of example datasets in builders/, verbatim but for comments
    for (const t of tomls.slice(1)) {
      const def = parseDatasetConfig(t, "README.md");
      const file = join(projectRoot(), "builders", def.name, def.version, "config.toml");
      expect({ ...parseDatasetConfig(readFileSync(file, "utf8"), file), description: null }).toEqual({ ...def, description: null });
    }
  });

  it("runs every statement of every sql block without error, with the results it claims", async () => {
    let packed: { partitions: number; rows: number } | null = null;
    for (const block of sqlBlocks) {
      for (const sql of statements(block)) {
        const { rows } = await db.pool.query(sql).catch((e: Error) => {
          throw new Error(`README statement failed: ${sql}\n${e.message}`);
        });
        if (/^select ds\.wait/.test(sql)) expect(rows[0].wait, sql).toBe("succeeded");
        if (/from ds\.data\('mock-moving-avg'/.test(sql)) expect(rows, sql).toHaveLength(7);
        if (/from ds\.data\('mock-minute-bars'/.test(sql)) expect(rows.length, sql).toBe(8);
        if (/calendar_points\('nyse-daily', '1d', '2024-01-01', '2024-12-31'\)/.test(sql)) expect(Number(rows[0].count)).toBe(252);
        if (/ds\.is_open\('nyse', '2024-11-29 18:30Z'\)/.test(sql)) expect(rows[0].is_open).toBe(false);
        if (/ds\.data\('mock-bars-daily'/.test(sql)) {
          expect(rows, sql).toHaveLength(8); // 4 sessions (Thanksgiving is closed) x 2 tickers
          expect(rows.filter((r) => r.ts.toISOString().startsWith("2024-11-29")).map((r) => r.data.trades)).toEqual([210, 210]);
        }
        if (/ds\.data\('mock-multi-rsi'/.test(sql)) {
          expect(rows, sql).toHaveLength(9);
          for (const r of rows) expect(r.data.rsi).toBeGreaterThan(0);
        }
        if (/ds\.bars\('mock-minute-bars'/.test(sql)) expect(rows, sql).toHaveLength(28); // 14:30-18:00 UTC, 14 bars x 2 tickers
        if (/ds\.asof\(/.test(sql)) expect(rows.length, sql).toBeGreaterThan(0);
        // "Storage": packed rows read as before, and unpacked again
        if (/from ds\.pack\('mock-ohlc'/.test(sql)) {
          packed = { partitions: rows[0].partitions, rows: Number(rows[0].rows) };
          expect(packed.partitions, sql).toBeGreaterThan(0);
          expect(packed.rows, sql).toBeGreaterThan(0);
        }
        if (/count\(\*\) from ds\.data\('mock-ohlc'/.test(sql)) expect(Number(rows[0].count), sql).toBe(packed!.rows);
        if (/ds\.unpack\('mock-ohlc'/.test(sql)) expect(rows[0].unpack, sql).toBe(packed!.partitions);
        // pasted in order, every typed-table read finds rows that an earlier statement built
        if (/^select .* from ds_data\.mock_(ohlc|ohlc_v0_1_0) /.test(sql)) expect(rows.length, sql).toBe(5);
        if (/ds\.data\('mock-tick-bars'/.test(sql)) expect(rows.map((r) => r.data.ticker), sql).toEqual(["AAPL", "MSFT"]);
        if (/from ds_data\.crypto_bars group by symbol/.test(sql)) {
          expect(rows, sql).toEqual([{ symbol: "BTC/USDT", count: 72 }, { symbol: "ETH/USDT", count: 42 }]);
        }
        if (/ds\.missing\('crypto-bars'/.test(sql)) expect(rows, sql).toEqual([]);
        if (/ds\.data\('crypto-sma'/.test(sql)) expect(rows.map((r) => r.data.symbol), sql).toEqual(["BTC/USDT", "ETH/USDT"]);
        if (/from ds_data\.mock_tick_bars/.test(sql)) {
          expect(rows, sql).toEqual([{ ticker: "AAPL", volume: 15, trades: 2 }, { ticker: "MSFT", volume: 120, trades: 2 }]);
        }
      }
    }
  });
});
