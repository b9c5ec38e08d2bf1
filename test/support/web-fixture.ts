/**
 * The web UI under test: a test database with the datasets of a builders directory
 * registered, an in-process worker, a server with the web, REST and GraphQL mounts and one
 * API key, and headless Chromium. `open(path)` gives a page that records failed requests
 * and requests that leave the server (there must be none: no CDN); `screenshot` saves a
 * full-page PNG.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { projectRoot } from "../../db/project-root.ts";
import { createPool } from "../../db/pool.ts";
import { syncDatasets } from "../../datasets/sync.ts";
import { generateApiKey, parseApiKeys } from "../../server/api-keys.ts";
import { createGraphqlMount } from "../../server/graphql/mount.ts";
import { startHttpServer, type RunningServer } from "../../server/http-server.ts";
import { createRestMount } from "../../server/rest/rest-mount.ts";
import { createWebMount } from "../../server/web/web-mount.ts";
import { startWorker, type RunningWorker } from "../../worker/run-worker.ts";
import { launchChromium } from "./chromium.ts";
import { useTestDatabase, type TestDatabase } from "./test-database.ts";

/** test/screenshots/ (ignored by git); DS_UPDATE_SCREENSHOTS=1 writes the README's, docs/screenshots/. */
export const screenshotDir = join(projectRoot(), ...(process.env.DS_UPDATE_SCREENSHOTS === "1" ? ["docs", "screenshots"] : ["test", "screenshots"]));

export interface WebFixture {
  db: TestDatabase;
  server: RunningServer;
  key: string;
  browser: import("playwright-core").Browser;
  open(path: string): Promise<{ page: import("playwright-core").Page; failed: string[]; external: string[] }>;
  screenshot(page: import("playwright-core").Page, name: string): Promise<string>;
}

export function useWebFixture(label: string, buildersDir: string): WebFixture {
  const db = useTestDatabase(label);
  const { key, entry } = generateApiKey("web-test");
  const f = { db, key } as WebFixture;
  let worker: RunningWorker | undefined;
  beforeAll(async () => {
    await db.pool.end();
    db.pool = createPool(db.url, { max: 16 });
    await syncDatasets(db.pool, buildersDir);
    worker = await startWorker({ pool: db.pool, connectionString: db.url, buildersDir, concurrency: 2, log: () => {} });
    const ctx = { pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(entry), buildersDir };
    f.server = await startHttpServer([createWebMount(), createRestMount(ctx), await createGraphqlMount(ctx)], { port: 0 });
    f.browser = await launchChromium();
    mkdirSync(screenshotDir, { recursive: true });
  });
  afterAll(async () => {
    await f.browser?.close();
    await f.server?.close();
    await worker?.stop();
  });
  f.open = async (path) => {
    const page = await f.browser.newPage({ viewport: { width: 1360, height: 900 } });
    const failed: string[] = [];
    const external: string[] = [];
    page.on("response", (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.request().method()} ${r.url()}`));
    page.on("request", (r) => !r.url().startsWith(f.server.url) && !/^(data|blob|ws):/.test(r.url()) && !r.url().startsWith(f.server.url.replace(/^http/, "ws")) && external.push(r.url()));
    page.on("pageerror", (e) => failed.push(`page error: ${e.message}`));
    await page.goto(`${f.server.url}${path}`);
    return { page, failed, external };
  };
  f.screenshot = async (page, name) => {
    const file = join(screenshotDir, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
  return f;
}
