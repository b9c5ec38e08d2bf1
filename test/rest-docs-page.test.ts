/**
 * The REST API's docs page (/api/v1/docs, Swagger UI from swagger-ui-dist) in headless
 * Chromium: it loads from our server alone (no CDN), lists the routes of the OpenAPI
 * document, and "Try it out" on GET /api/v1/status answers {"status": "ok"}. A screenshot
 * is saved to test/screenshots/rest-docs.png. Needs Debian's Chromium at /usr/bin/chromium;
 * skipped with a message without it.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApiKeys } from "../server/api-keys.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import { createRestMount } from "../server/rest/rest-mount.ts";
import { projectRoot } from "../db/project-root.ts";
import { hasChromium, launchChromium } from "./support/chromium.ts";
import { useTestDatabase } from "./support/test-database.ts";


describe.skipIf(!hasChromium("rest-docs-page.test.ts"))("the REST docs page in headless Chromium", () => {
  const db = useTestDatabase("rest-docs-page");
  let server: RunningServer;
  let browser: import("playwright-core").Browser;

  beforeAll(async () => {
    const ctx = { pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(""), buildersDir: "builders" };
    server = await startHttpServer([createRestMount(ctx)], { port: 0 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("lists the routes and runs GET /api/v1/status from the page", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const failed: string[] = [];
    const external: string[] = [];
    page.on("response", (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
    page.on("request", (r) => !r.url().startsWith(server.url) && !r.url().startsWith("data:") && external.push(r.url()));
    await page.goto(`${server.url}/api/v1/docs`);
    await page.getByText("datastream REST API").first().waitFor({ timeout: 30_000 });
    for (const path of ["/api/v1/status", "/api/v1/datasets", "/api/v1/build/{name}/{version}", "/api/v1/data/{name}/{version}"]) {
      expect(await page.locator(`.opblock-summary-path[data-path="${path}"]`).count(), path).toBeGreaterThan(0);
    }
    await page.locator('.opblock-summary-path[data-path="/api/v1/status"]').first().click();
    await page.getByRole("button", { name: "Try it out" }).first().click();
    await page.getByRole("button", { name: "Execute" }).first().click();
    const body = page.locator(".responses-wrapper .microlight").first();
    await body.waitFor({ timeout: 30_000 });
    await page.getByText('"status": "ok"').first().waitFor({ timeout: 30_000 });
    const dir = join(projectRoot(), "test", "screenshots");
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, "rest-docs.png"), fullPage: false });
    expect(failed).toEqual([]);
    expect(external).toEqual([]);
  });
});
