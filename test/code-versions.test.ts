/**
 * Code versions (issue 9, point 4): ds sync records the hash of each builder's code (the
 * builder file and the local modules it imports); a changed hash marks the built points
 * stale in ds.datasets, ds status and GraphQL's catalog; ds.rebuild / ds rebuild recompute
 * them; a worker whose code differs from the registered code refuses the chunk (DS067).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builderCodeHash } from "../datasets/code-hash.ts";
import { syncDatasets } from "../datasets/sync.ts";
import { createPool } from "../db/pool.ts";
import { parseApiKeys } from "../server/api-keys.ts";
import { createGraphqlMount } from "../server/graphql/mount.ts";
import { startHttpServer } from "../server/http-server.ts";
import { startWorker, type RunningWorker } from "../worker/run-worker.ts";
import { runDs } from "./support/run-ds.ts";
import { expectSqlState, useTestDatabase } from "./support/test-database.ts";

const db = useTestDatabase("code-versions");
const dir = mkdtempSync(join(tmpdir(), "ds-code-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header = (name: string, extra = "") =>
  `name = "${name}"\nversion = "0.1.0"\ncalendar = "always-open"\ngranularity = "1d"\nstart-date = 2024-01-01\nmax-attempts = 2\n${extra}\n[schema]\nvalue = "float"\n`;

function write(path: string, text: string) {
  mkdirSync(join(dir, path, ".."), { recursive: true });
  writeFileSync(join(dir, path), text);
}

/** cv-src = factor × day of month (factor from a shared module); cv-dep = 10 × cv-src. */
function writeTree(factor: number) {
  write("shared.ts", `export const factor = ${factor};\n`);
  write("cv-src/0.1.0/config.toml", header("cv-src"));
  write("cv-src/0.1.0/builder.ts",
    `import { factor } from "../../shared.ts";\nexport function build(_deps: unknown, ts: Date) { return [{ value: factor * ts.getUTCDate() }]; }\n`);
  write("cv-dep/0.1.0/config.toml", `${header("cv-dep")}\n[dependencies]\ncv-src = "0.1.0"\n`);
  write("cv-dep/0.1.0/builder.ts",
    `export function build(deps: Record<string, { rows: { value: number }[] }[]>) { return [{ value: 10 * deps["cv-src"].at(-1).rows[0].value }]; }\n`);
}

const values = async (table: string) =>
  (await db.pool.query<{ value: number }>(`select value from ds_data.${table} order by ts`)).rows.map((r) => r.value);
const catalog = async (name: string) =>
  (await db.pool.query("select code_hash, code_stale, code_stale_first, code_stale_last from ds.datasets where name = $1", [name])).rows[0];
async function waitFor(sql: string): Promise<{ state: string; error: string | null; error_code: string | null }> {
  const { id } = (await db.pool.query(`select ${sql} as id`)).rows[0];
  await db.pool.query("select ds.wait($1, '90 seconds')", [id]);
  return (await db.pool.query("select state, error, error_code from ds.builds where id = $1", [id])).rows[0];
}

describe("code versions", () => {
  let worker: RunningWorker | undefined;
  const start = async () => {
    worker = await startWorker({ pool: db.pool, connectionString: db.url, buildersDir: dir, concurrency: 2, log: () => {} });
  };
  beforeAll(async () => {
    await db.pool.end();
    db.pool = createPool(db.url, { max: 8 });
    writeTree(1);
  });
  afterAll(() => worker?.stop());

  it("registers the hash of the builder and of the local modules it imports", async () => {
    await syncDatasets(db.pool, dir);
    const src = await catalog("cv-src");
    expect(src.code_hash).toBe(await builderCodeHash(dir, "cv-src", "0.1.0", "builder.ts"));
    expect(src.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(src.code_stale).toBe(false);
    // the same tree elsewhere has the same hash: paths are relative to the builders directory
    const copy = mkdtempSync(join(tmpdir(), "ds-code-copy-"));
    try {
      mkdirSync(join(copy, "cv-src", "0.1.0"), { recursive: true });
      writeFileSync(join(copy, "shared.ts"), "export const factor = 1;\n");
      writeFileSync(join(copy, "cv-src", "0.1.0", "builder.ts"),
        `import { factor } from "../../shared.ts";\nexport function build(_deps: unknown, ts: Date) { return [{ value: factor * ts.getUTCDate() }]; }\n`);
      expect(await builderCodeHash(copy, "cv-src", "0.1.0", "builder.ts")).toBe(src.code_hash);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it("marks built points stale when an imported module changes, and only there", async () => {
    await start();
    expect(await waitFor("ds.build('cv-dep', '0.1.0', '2024-01-01', '2024-01-05')")).toMatchObject({ state: "succeeded" });
    expect(await values("cv_dep_v0_1_0")).toEqual([10, 20, 30, 40, 50]);
    const before = (await catalog("cv-src")).code_hash;

    writeTree(2);
    const result = await syncDatasets(db.pool, dir);
    expect(result.updated).toEqual(["cv-src@0.1.0"]);
    const src = await catalog("cv-src");
    expect(src.code_hash).not.toBe(before);
    expect(src).toMatchObject({ code_stale: true, code_stale_first: new Date("2024-01-01Z"), code_stale_last: new Date("2024-01-05Z") });
    expect((await catalog("cv-dep")).code_stale).toBe(false);
    // a sync of the same tree changes nothing
    expect((await syncDatasets(db.pool, dir)).updated).toEqual([]);

    const status = await runDs(["status", "--json", "--database-url", db.url]);
    expect(status.code, status.stderr).toBe(0);
    const row = JSON.parse(status.stdout).datasets.find((d: { name: string }) => d.name === "cv-src");
    expect(row).toMatchObject({ code_hash: src.code_hash, code_stale: true, code_stale_first: "2024-01-01T00:00:00Z", code_stale_last: "2024-01-05T00:00:00Z" });
    const table = await runDs(["status", "--database-url", db.url]);
    expect(table.stdout).toMatch(new RegExp(`cv-src .* ${src.code_hash.slice(0, 8)} stale from 2024-01-01`));

    const server = await startHttpServer([await createGraphqlMount({ pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(""), buildersDir: dir }, {})], { port: 0 });
    try {
      const res = await fetch(`${server.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `{ dataset(name: "cv-src", version: "0.1.0") { codeHash codeStale codeStaleFirst codeStaleLast } }` }) });
      expect(await res.json()).toEqual({ data: { dataset: { codeHash: src.code_hash, codeStale: true,
        codeStaleFirst: "2024-01-01T00:00:00.000000+00:00", codeStaleLast: "2024-01-05T00:00:00.000000+00:00" } } });
    } finally {
      await server.close();
    }
  });

  it("a plain build leaves stale points alone; what it adds is built by the new code", async () => {
    // this worker's threads imported the old code: it refuses the new point (DS067)...
    const refused = await waitFor("ds.build('cv-src', '0.1.0', '2024-01-01', '2024-01-06')");
    expect(refused).toMatchObject({ state: "failed", error_code: "DS067" });
    expect(refused.error).toMatch(/cv-src 0\.1\.0: this worker's builder code differs from the registered code/);
    const tasks = await db.pool.query("select attempts from ds_private.tasks t join ds_private.dataset_versions v on v.id = t.dataset_version_id where v.name = 'cv-src' and t.state = 'failed'");
    expect(tasks.rows).toEqual([{ attempts: 2 }]);  // retried (max-attempts = 2), never written
    expect(await values("cv_src_v0_1_0")).toEqual([1, 2, 3, 4, 5]);
    // ...a worker started now loads the new code
    await worker!.stop();
    await start();
    expect(await waitFor("ds.build('cv-src', '0.1.0', '2024-01-01', '2024-01-06')")).toMatchObject({ state: "succeeded" });
    expect(await values("cv_src_v0_1_0")).toEqual([1, 2, 3, 4, 5, 12]);
    expect(await catalog("cv-src")).toMatchObject({ code_stale: true, code_stale_last: new Date("2024-01-05Z") });
  });

  it("ds rebuild recomputes the stale points and invalidates their dependents", async () => {
    const run = await runDs(["rebuild", "cv-src", "0.1.0", "2024-01-02", "2024-01-03", "--wait", "--database-url", db.url]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/build \d+ succeeded/);
    expect(await values("cv_src_v0_1_0")).toEqual([1, 4, 6, 4, 5, 12]);
    expect(await catalog("cv-src")).toMatchObject({ code_stale: true, code_stale_first: new Date("2024-01-01Z"), code_stale_last: new Date("2024-01-05Z") });
    // cv-dep read the rebuilt points: they are missing until built again
    const missing = await db.pool.query("select lower(r) as first, upper(r) as last from ds.missing('cv-dep', '0.1.0', '2024-01-01', '2024-01-05') r");
    expect(missing.rows).toEqual([{ first: new Date("2024-01-02Z"), last: new Date("2024-01-04Z") }]);

    expect(await waitFor("ds.rebuild('cv-src', '0.1.0', '2024-01-01', '2024-01-06')")).toMatchObject({ state: "succeeded" });
    expect(await values("cv_src_v0_1_0")).toEqual([2, 4, 6, 8, 10, 12]);
    expect(await catalog("cv-src")).toMatchObject({ code_stale: false, code_stale_first: null, code_stale_last: null });
    expect(await waitFor("ds.build('cv-dep', '0.1.0', '2024-01-01', '2024-01-05')")).toMatchObject({ state: "succeeded" });
    expect(await values("cv_dep_v0_1_0")).toEqual([20, 40, 60, 80, 100]);
  });

  it("a version registered before code versions is not stale when its hash first arrives", async () => {
    await db.pool.query("update ds_private.dataset_versions set code_hash = null where name = 'cv-dep'");
    expect((await syncDatasets(db.pool, dir)).updated).toEqual(["cv-dep@0.1.0"]);
    expect(await catalog("cv-dep")).toMatchObject({ code_stale: false });
    expect((await catalog("cv-dep")).code_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a source's code is its [source] table, less how it paces or reaches its requests", async () => {
    const source = (symbols: string, rateLimit: number) => `name = "cv-source"\nversion = "0.1.0"\ncalendar = "always-open"\ngranularity = "1h"
start-date = 2024-01-01\nkey = ["symbol"]\n[schema]\nsymbol = "str"\nopen = "float"\nhigh = "float"\nlow = "float"\nclose = "float"\nvolume = "float"
[source]\nkind = "ccxt"\nexchange = "binance"\nsymbols = [${symbols}]\nfetch = "ohlcv"\nrate-limit = ${rateLimit}\n`;
    write("cv-source/0.1.0/config.toml", source('"BTC/USDT"', 100));
    await syncDatasets(db.pool, dir);
    const first = (await catalog("cv-source")).code_hash;
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    write("cv-source/0.1.0/config.toml", source('"BTC/USDT"', 200));
    await syncDatasets(db.pool, dir);
    expect((await catalog("cv-source")).code_hash).toBe(first);
    write("cv-source/0.1.0/config.toml", source('"BTC/USDT", "ETH/USDT"', 200));
    await syncDatasets(db.pool, dir);
    expect((await catalog("cv-source")).code_hash).not.toBe(first);
    rmSync(join(dir, "cv-source"), { recursive: true });
  });

  it("refuses a malformed code hash, and a rebuild of a dataset written from outside", async () => {
    await expectSqlState(db.pool.query(`select ds.register_dataset('{"name": "cv-x", "version": "0.1.0", "calendar": "always-open",
      "granularity": "1d", "start_date": "2024-01-01", "schema": [{"name": "v", "type": "float"}], "builder": "builder.ts", "code_hash": "abc"}')`),
      "DS019", /invalid code_hash/);
    await expectSqlState(db.pool.query("select ds.rebuild('cv-src', '0.1.0', '2024-01-05', '2024-01-01')"), "DS012");
    await expectSqlState(db.pool.query("select ds.rebuild('cv-nope', '0.1.0', '2024-01-01', '2024-01-02')"), "DS001");
  });
});
