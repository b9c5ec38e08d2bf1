/**
 * Registering source datasets in tests from config.toml text (through parseDatasetConfig,
 * as ds sync does): their api-url is the port of a fixture server known only at run time,
 * so they cannot live in a builders/ folder.
 */
import type pg from "pg";
import { parseDatasetConfig } from "../../datasets/config.ts";

/** A ccxt OHLCV config of the recorded Binance fixtures; `source` lines are appended to [source]. */
export function binanceConfig(name: string, apiUrl: string, source: string[] = [], extra: string[] = []): string {
  return [
    `name = "${name}"`, `version = "0.1.0"`, `calendar = "always-open"`, `granularity = "1h"`, `start-date = 2024-01-01`,
    `key = ["symbol"]`, `chunk = 24`, ...extra,
    `[schema]`, `symbol = "str"`, `open = "float"`, `high = "float"`, `low = "float"`, `close = "float"`, `volume = "float"`,
    `[source]`, `kind = "ccxt"`, `exchange = "binance"`, `symbols = ["BTC/USDT", "ETH/USDT"]`, `fetch = "ohlcv"`,
    `api-url = "${apiUrl}"`, `page-size = 10`, `rate-limit = 1`, `backoff-ms = 5`, ...source,
  ].join("\n");
}

export async function registerConfigs(pool: pg.Pool, ...configs: string[]): Promise<void> {
  const defs = configs.map((text, i) => parseDatasetConfig(text, `test-config-${i}.toml`));
  await pool.query("select ds.register_datasets($1::jsonb)", [JSON.stringify(defs)]);
}
