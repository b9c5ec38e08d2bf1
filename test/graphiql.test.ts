/**
 * The GraphiQL (Ruru) page in headless Chromium: it loads from our server alone (no CDN),
 * a query typed into its editor runs, and the result pane shows the answer.
 * Needs Debian's Chromium at /usr/bin/chromium (apt-get install -y chromium); skipped
 * with a message without it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApiKeys } from "../server/api-keys.ts";
import { createGraphqlMount } from "../server/graphql/mount.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import { hasChromium, launchChromium } from "./support/chromium.ts";
import { useTestDatabase } from "./support/test-database.ts";


describe.skipIf(!hasChromium("graphiql.test.ts"))("GraphiQL in headless Chromium", () => {
  const db = useTestDatabase("graphiql");
  let server: RunningServer;
  let browser: import("playwright-core").Browser;

  beforeAll(async () => {
    const ctx = { pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(""), buildersDir: "builders" };
    server = await startHttpServer([await createGraphqlMount(ctx)], { port: 0 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("runs a query typed into the editor and shows the result", async () => {
    const page = await browser.newPage();
    const failed: string[] = [];
    const external: string[] = [];
    page.on("response", (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
    page.on("request", (r) => !r.url().startsWith(server.url) && !r.url().startsWith("data:") && external.push(r.url()));
    await page.goto(`${server.url}/graphiql`);
    const editor = page.locator(".graphiql-query-editor .monaco-editor").first();
    await editor.waitFor({ timeout: 30_000 });
    await editor.click();
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.press("Delete");
    // insertText: typed as one input, so that the editor's bracket auto-closing stays out of it
    await page.keyboard.insertText('{ calendar(name: "nyse") { name kind } isOpen(calendar: "nyse", ts: "2024-11-29T18:30:00Z") }');
    await page.locator(".graphiql-execute-button").click();
    const response = page.locator(".graphiql-response");
    await response.getByText('"intraday"').waitFor({ timeout: 30_000 });
    const text = (await response.innerText()).replace(/\s+/g, " ");
    expect(text).toContain('"name": "nyse"');
    expect(text).toContain('"isOpen": false');
    expect(failed).toEqual([]);
    expect(external).toEqual([]);
  });
});
