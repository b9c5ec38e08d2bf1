/**
 * Written one-minute OHLCV datasets of the bench's storage sections (scale.ts, pack.ts):
 * `ticker` key, nyse `1m`, `[write]`, registered through a throwaway builders folder and
 * `syncDatasets`, as `ds sync` would.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { syncDatasets } from "../datasets/sync.ts";

/** The config.toml of one such dataset; `volume` is float or int. */
export function minuteBarsConfig(name: string, startDate: string, volume: "float" | "int"): string {
  return `name = "${name}"\nversion = "0.1.0"\ncalendar = "nyse"\ngranularity = "1m"\nstart-date = "${startDate}"\nkey = ["ticker"]\n` +
    `[schema]\nticker = "str"\nopen = "float"\nhigh = "float"\nlow = "float"\nclose = "float"\nvolume = "${volume}"\n[write]\n`;
}

/** Registers version 0.1.0 of each dataset (name → config.toml text). */
export async function registerWritten(pool: pg.Pool, configs: Record<string, string>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ds-bench-written-"));
  try {
    for (const [name, config] of Object.entries(configs)) {
      mkdirSync(join(dir, name, "0.1.0"), { recursive: true });
      writeFileSync(join(dir, name, "0.1.0", "config.toml"), config);
    }
    await syncDatasets(pool, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
