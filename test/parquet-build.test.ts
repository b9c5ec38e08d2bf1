/**
 * Parquet exports of a built dataset: `ds data --format parquet --build` and REST
 * `format=parquet` (build-data=true by default) build what is missing first, through the
 * build every read shares, then write every row; without building, REST answers 206.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, parseApiKeys } from "../server/api-keys.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import { createRestMount } from "../server/rest/rest-mount.ts";
import { runDs } from "./support/run-ds.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("parquet-build");
const dir = mkdtempSync(join(tmpdir(), "ds-parquet-build-"));
const { key, entry } = generateApiKey("tests");
let server: RunningServer;
let duck: DuckDBConnection;

beforeAll(async () => {
  server = await startHttpServer([createRestMount({ pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(entry), buildersDir: fixtureBuilders })], { port: 0 });
  duck = await (await DuckDBInstance.create(":memory:")).connect();
});
afterAll(async () => {
  duck?.closeSync();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** ts (as ISO text) and value of a Parquet file, in file order. */
async function rowsOf(file: string) {
  await duck.run("set TimeZone = 'UTC'");
  return (await duck.runAndReadAll(`select strftime(ts, '%Y-%m-%d') as day, value from read_parquet('${file}')`)).getRowObjectsJS();
}

describe("Parquet exports of a built dataset", () => {
  it("ds data --format parquet --build builds the missing points, then writes them", async () => {
    const file = join(dir, "cli.parquet");
    const run = await runDs(["data", "t-root", "0.1.0", "2024-01-01", "2024-01-05", "--format", "parquet", "--out", file, "--build", "--database-url", db.url]);
    expect(run).toEqual({ code: 0, stdout: `wrote 5 row(s) to ${file}\n`, stderr: "" });
    expect(await rowsOf(file)).toEqual([1, 2, 3, 4, 5].map((d) => ({ day: `2024-01-0${d}`, value: d })));
  });

  it("REST answers 206 for unbuilt points with build-data=false, and builds them by default", async () => {
    const url = `${server.url}/api/v1/data/t-root/0.1.0?start=2024-01-06&end=2024-01-08&format=parquet`;
    const headers = { authorization: `Bearer ${key}` };
    const partial = await fetch(`${url}&build-data=false`, { headers });
    expect(partial.status).toBe(206);
    writeFileSync(join(dir, "partial.parquet"), Buffer.from(await partial.arrayBuffer()));
    expect(await rowsOf(join(dir, "partial.parquet"))).toEqual([]);
    const built = await fetch(url, { headers });
    expect(built.status).toBe(200);
    writeFileSync(join(dir, "built.parquet"), Buffer.from(await built.arrayBuffer()));
    expect(await rowsOf(join(dir, "built.parquet"))).toEqual([6, 7, 8].map((d) => ({ day: `2024-01-0${d}`, value: d })));
  });
});
