/**
 * The window of a dependency in config.toml: window = "bucket" or "point" (the default),
 * stored on the edge, shown in ds.datasets, fixed for a registered version (DS011), checked
 * in SQL (DS010); a built-in transform reads buckets, whatever else its config says.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { syncDatasets } from "../datasets/sync.ts";
import { expectSqlState, useTestDatabase } from "./support/test-database.ts";

const db = useTestDatabase("window-config");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const root = (name: string, granularity = "1m") =>
  `name = "${name}"\nversion = "0.1.0"\ncalendar = "always-open"\ngranularity = "${granularity}"\nstart-date = 2024-01-01\n[schema]\nvalue = "float"\n`;
const dependent = (name: string, dep: string, extra = "", schema = 'value = "float"') =>
  `name = "${name}"\nversion = "0.1.0"\ncalendar = "always-open"\ngranularity = "1h"\nstart-date = 2024-01-01\n${extra}\n[schema]\n${schema}\n[dependencies]\n${dep}\n`;

/** Sync a builders tree of "name" → config.toml text (a stub builder.ts beside each). */
function sync(configs: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), "ds-window-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(configs)) {
    mkdirSync(join(dir, name, "0.1.0"), { recursive: true });
    writeFileSync(join(dir, name, "0.1.0", "config.toml"), text);
    writeFileSync(join(dir, name, "0.1.0", "builder.ts"), "export function build() { return []; }\n");
  }
  return syncDatasets(db.pool, dir);
}

async function windows(): Promise<Record<string, unknown>> {
  const { rows } = await db.pool.query("select name, dependencies from ds.datasets where name like 'cw-%' and dependencies <> '[]' order by name");
  return Object.fromEntries(rows.map((r) => [r.name, r.dependencies]));
}

describe("window on a dependency", () => {
  it('stores "point" by default and "bucket" when asked, with or without lookback, and shows them in ds.datasets', async () => {
    await sync({
      "cw-root": root("cw-root"),
      "cw-point": dependent("cw-point", 'cw-root = "0.1.0"'),
      "cw-bucket": dependent("cw-bucket", 'cw-root = { version = "0.1.0", window = "bucket" }'),
      "cw-bucket-60m": dependent("cw-bucket-60m", 'cw-root = { version = "0.1.0", lookback = "60m", window = "bucket" }'),
      "cw-point-3": dependent("cw-point-3", 'cw-root = { version = "0.1.0", lookback = 3, window = "point" }'),
    });
    expect(await windows()).toEqual({
      "cw-bucket": [{ name: "cw-root", version: "0.1.0", lookback: null, window: "bucket" }],
      "cw-bucket-60m": [{ name: "cw-root", version: "0.1.0", lookback: "60m", window: "bucket" }],
      "cw-point": [{ name: "cw-root", version: "0.1.0", lookback: null, window: "point" }],
      "cw-point-3": [{ name: "cw-root", version: "0.1.0", lookback: 3, window: "point" }],
    });
  });

  it("refuses a window other than point or bucket (DS010), naming the field", async () => {
    const err = await expectSqlState(sync({ "cw-root": root("cw-root"), "cw-bad": dependent("cw-bad", 'cw-root = { version = "0.1.0", window = "trailing" }') }),
      "DS010", /invalid window "trailing"/);
    expect((err as { detail?: string }).detail).toMatch(/dependencies\.cw-root\.window/);
  });

  it("refuses to change the window of a registered version (DS011)", async () => {
    await expectSqlState(sync({ "cw-root": root("cw-root"), "cw-point": dependent("cw-point", 'cw-root = { version = "0.1.0", window = "bucket" }') }),
      "DS011", /dependencies/);
    // saying the default out loud changes nothing
    const result = await sync({ "cw-root": root("cw-root"), "cw-point": dependent("cw-point", 'cw-root = { version = "0.1.0", window = "point" }') });
    expect(result.unchanged).toContain("cw-point@0.1.0");
  });

  it('gives a built-in transform the bucket window, and refuses window = "point" on one (DS010)', async () => {
    const ohlc = 'open = "float"\nhigh = "float"\nlow = "float"\nclose = "float"';
    await sync({
      "cw-bars": root("cw-bars").replace('value = "float"', ohlc),
      "cw-bars-1h": dependent("cw-bars-1h", 'cw-bars = "0.1.0"', "", ohlc) + '[transform]\nkind = "resample"\nsource = "cw-bars"\n',
    });
    expect((await windows())["cw-bars-1h"]).toEqual([{ name: "cw-bars", version: "0.1.0", lookback: null, window: "bucket" }]);
    await expectSqlState(sync({
      "cw-bars": root("cw-bars").replace('value = "float"', ohlc),
      "cw-bars-2h": dependent("cw-bars-2h", 'cw-bars = { version = "0.1.0", window = "point" }', "", ohlc) + '[transform]\nkind = "resample"\nsource = "cw-bars"\n',
    }), "DS010", /transform/);
  });
});
