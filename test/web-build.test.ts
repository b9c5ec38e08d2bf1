/**
 * The build panel and the API key in headless Chromium, against the fixture datasets of
 * test/fixtures/builders and a real worker: a wrong key says so and the page stays
 * read-only; with the key a dry run previews the rows and writes nothing, a build started
 * from the panel reaches 100% through the buildProgress subscription, a failing one shows
 * its error and DS code, a running one is cancelled, rows are deleted; the catalog's tags
 * filter it and the builds page lists every build. Screenshots: see web-pages.test.ts.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { knobs } from "./fixtures/builders/calls.ts";
import { hasChromium } from "./support/chromium.ts";
import { fixtureBuilders } from "./support/worker-fixture.ts";
import { useWebFixture } from "./support/web-fixture.ts";

describe.skipIf(!hasChromium("web-build.test.ts"))("the web UI's build panel", () => {
  const web = useWebFixture("web_build", fixtureBuilders);
  afterAll(() => { delete knobs.badMode; });

  async function datasetPage(name: string, { key = web.key }: { key?: string | null } = {}) {
    const opened = await web.open(`/#/d/${name}/0.1.0`);
    const { page } = opened;
    page.on("dialog", (d) => void d.accept());
    await page.locator(".chart-info").waitFor();
    if (key) {
      await page.fill("#api-key", key);
      await page.click("#auth button[type=submit]");
      await page.locator("#auth-state", { hasText: key === web.key ? "builder" : "read-only" }).waitFor();
    }
    return opened;
  }

  async function setRange(page: import("playwright-core").Page, start: string, end: string) {
    await page.fill("#build-start", start);
    await page.fill("#build-end", end);
  }

  it("a wrong API key says so and the page stays read-only", async () => {
    const { page, failed } = await datasetPage("t-root", { key: "ds_not-a-key-of-this-server" });
    await page.locator("#auth-message.error").waitFor();
    expect(await page.locator("#auth-message").innerText()).toMatch(/^Wrong API key: the server refused it \(invalid API key\)\. Still read-only\.$/);
    expect(await page.locator("#auth-state").innerText()).toBe("read-only");
    expect(await page.locator("#build").isDisabled()).toBe(true);
    expect(await page.locator("#delete").isDisabled()).toBe(true);
    expect(await page.locator(".lock-note").innerText()).toMatch(/enter an API key/);
    expect(await page.evaluate(() => localStorage.getItem("datastream.apiKey"))).toBeNull();
    await page.click("a.download.csv");
    expect(await page.locator(".downloads .muted").innerText()).toBe("REST downloads need an API key (enter it above)");
    expect(failed).toEqual([expect.stringMatching(/^401 POST .*\/graphql$/)]);
    await web.screenshot(page, "wrong-key");
    await page.close();
  });

  it("with the key, a dry run shows the rows a build would write and writes nothing", async () => {
    const { page } = await datasetPage("t-root");
    expect(await page.locator("#build").isDisabled()).toBe(false);
    await setRange(page, "2024-03-01T00:00", "2024-03-03T00:00");
    await page.click("#dry-run");
    await page.locator(".dry-run-note").waitFor({ timeout: 30_000 });
    expect(await page.locator(".dry-run-note").innerText()).toBe("Dry run: a build would write 3 rows at 3 timestamps (nothing was written).");
    const cells = await page.locator(".build-result table.rows tbody tr").evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent)));
    expect(cells).toEqual([["2024-03-03", "3"], ["2024-03-02", "2"], ["2024-03-01", "1"]]);
    const { n } = (await web.db.pool.query("select (select count(*) from ds.builds) + (select count(*) from ds_data.t_root_v0_1_0) as n")).rows[0];
    expect(Number(n)).toBe(0);
    await page.close();
  });

  it("a build started from the panel shows live progress through the subscription up to 100%", async () => {
    const { page, failed } = await datasetPage("t-root");
    const progress: string[] = [];
    page.on("websocket", (ws) => ws.on("framereceived", (f) => {
      const text = String(f.payload);
      const m = /"buildProgress":\{[^}]*"state":"(\w+)","progress":([\d.]+)/.exec(text);
      if (m) progress.push(`${m[1]} ${m[2]}`);
    }));
    await setRange(page, "2024-03-01T00:00", "2024-04-30T00:00"); // 61 points, 7 chunks
    await page.click("#build");
    await page.locator(".build-progress .state.succeeded").waitFor({ timeout: 60_000 });
    expect(await page.locator(".build-progress [role=progressbar]").getAttribute("aria-valuenow")).toBe("100");
    expect(await page.locator(".build-progress").innerText()).toMatch(/61 \/ 61 points, 61 rows/);
    expect(progress.at(-1)).toBe("succeeded 1");
    expect(progress.length).toBeGreaterThan(1); // the subscription sent the build as it went
    const { state, id } = (await web.db.pool.query("select state, id from ds.builds order by id desc limit 1")).rows[0];
    expect(state).toBe("succeeded");
    await page.locator(`.builds tr.build-row[data-build="${id}"][data-state="succeeded"]`).waitFor();
    await page.locator(".timeline .tl-built").first().waitFor();
    // the page follows: facts, rows newest first, a CSV download of the visible range (REST, with the key)
    await page.locator('[data-fact="rows"]', { hasText: "61" }).waitFor();
    await page.locator("table.rows tbody tr td.ts", { hasText: "2024-04-30" }).first().waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("a.download.csv")]);
    const csv = await new Promise<string>((resolve, reject) => download.createReadStream().then((s) => {
      let text = "";
      s.on("data", (c) => (text += c)).on("end", () => resolve(text)).on("error", reject);
    }, reject));
    const lines = csv.trim().split("\n");
    expect(lines[0]!.split(",").map((c) => c.trim())).toEqual(["ts", "value"]);
    expect(lines.length).toBe(1 + 61);
    expect(lines[1]!.split(",").map((c) => c.trim())).toEqual(["2024-03-01T00:00:00Z", "1"]);
    // the Parquet link gives the same rows as a Parquet file (read back by DuckDB)
    const [parquet] = await Promise.all([page.waitForEvent("download"), page.click("a.download.parquet")]);
    const file = join(mkdtempSync(join(tmpdir(), "ds-web-parquet-")), "rows.parquet");
    await parquet.saveAs(file);
    const duck = await (await DuckDBInstance.create(":memory:")).connect();
    const read = (await duck.runAndReadAll(`select count(*)::int as n, min(value)::int as first from read_parquet('${file}')`)).getRowObjects();
    expect(read).toEqual([{ n: 61, first: 1 }]);
    rmSync(dirname(file), { recursive: true, force: true });
    await web.screenshot(page, "build-panel");
    expect(failed).toEqual([]);
    await page.close();
  });

  it("a failed build shows its error with its DS code", async () => {
    knobs.badMode = 1; // t-bad answers a float for its int field on the 3rd of the month: invalid rows
    const { page } = await datasetPage("t-bad");
    await setRange(page, "2024-01-01T00:00", "2024-01-05T00:00");
    await page.click("#build");
    await page.locator(".build-progress .state.failed").waitFor({ timeout: 60_000 });
    const { error_code: code } = (await web.db.pool.query("select error_code from ds.builds where dataset = 't-bad' order by id desc limit 1")).rows[0];
    expect(code).toBe("DS017");
    const text = await page.locator(".build-result .error").innerText();
    expect(text).toMatch(/^DS017 build #\d+ failed: t-bad 0\.1\.0 .*2024-01-03/);
    await page.locator('.builds tr.build-row[data-state="failed"] td.err', { hasText: code }).waitFor();
    await web.screenshot(page, "build-failed");
    delete knobs.badMode;
    await page.close();
  });

  it("cancels a running build, and deletes rows", async () => {
    const { page } = await datasetPage("t-pause");
    await setRange(page, "2024-01-01T00:00", "2024-01-05T00:00"); // 5,761 points a millisecond each, 9 chunks
    await page.click("#build");
    await page.locator("#cancel:not([hidden])").waitFor({ timeout: 30_000 });
    await page.locator(".timeline .tl-building").first().waitFor(); // the coverage timeline shows what is being built
    await web.screenshot(page, "building");
    await page.click("#cancel");
    await page.locator(".build-progress .state.cancelled").waitFor({ timeout: 60_000 });
    expect((await web.db.pool.query("select state from ds.builds where dataset = 't-pause'")).rows).toEqual([{ state: "cancelled" }]);
    await page.close();

    const root = await datasetPage("t-root");
    await setRange(root.page, "2024-03-01T00:00", "2024-03-10T00:00");
    await root.page.click("#delete");
    await root.page.locator(".deleted-note").waitFor();
    expect(await root.page.locator(".deleted-note").innerText()).toBe("Deleted 10 rows.");
    expect(Number((await web.db.pool.query("select count(*) from ds_data.t_root_v0_1_0")).rows[0].count)).toBe(51);
    await root.page.close();
  });

  it("the coverage timeline shows the points a write made stale, per key", async () => {
    const bar = (ticker: string, i: number, bump = 0) => {
      const open = 100 + i + (ticker === "BBB" ? 50 : 0);
      return { ts: new Date(Date.parse("2024-03-01T14:30:00Z") + i * 60_000).toISOString(), ticker, open, high: open + 1 + bump, low: open - 1, close: open + 0.5, volume: 10 };
    };
    const write = (rows: unknown[]) => web.db.pool.query("select * from ds.write('w-bars', '0.1.0', $1::jsonb)", [JSON.stringify(rows)]);
    await write(["AAA", "BBB"].flatMap((t) => Array.from({ length: 30 }, (_, i) => bar(t, i))));
    const { id } = (await web.db.pool.query("select ds.build('w-bars-5m', '0.1.0', '2024-03-01 14:30Z', '2024-03-01 14:55Z') as id")).rows[0];
    expect((await web.db.pool.query("select ds.wait($1, '60 seconds') as s", [id])).rows[0].s).toBe("succeeded");
    await write([bar("AAA", 17, 5)]); // 14:47 AAA: a higher high; the 14:45 bar of AAA is stale
    const { page, failed } = await web.open("/#/d/w-bars-5m/0.1.0");
    await page.fill("#range-start", "2024-03-01T14:00");
    await page.fill("#range-end", "2024-03-01T15:30");
    await page.click("#apply-range");
    await page.locator(".timeline .tl-stale").waitFor();
    expect(await page.locator(".timeline .tl-stale title").textContent()).toBe("stale: 2024-03-01 14:45 → 2024-03-01 14:50");
    expect(await page.locator(".timeline .tl-built").count()).toBe(1);
    expect(await page.locator(".legend").innerText()).toMatch(/stale \(1\)/);
    await web.screenshot(page, "stale");
    expect(failed).toEqual([]);
    await page.close();
  });

  it("the catalog filters by tag and the builds page lists every build with its state and error", async () => {
    const { page, failed } = await web.open("/");
    await page.locator("tr.dataset-row").first().waitFor();
    await page.click('button.tag[data-tag="asset=equity"]');
    expect(await page.locator("tr.dataset-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-name")))).toEqual(["t-tagged"]);
    await page.click('button.tag[data-tag="asset=equity"]');
    await page.fill("#search", "t-root");
    expect(await page.locator('tr.dataset-row[data-name="t-root"] .state').innerText()).toBe("succeeded");
    expect(await page.locator('tr.dataset-row[data-name="t-root"] .rows').innerText()).toBe("51");
    await page.goto(`${web.server.url}/#/builds`);
    await page.locator("tr.build-row").first().waitFor();
    const states = await page.locator("tr.build-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-state")));
    expect(states).toEqual(["succeeded", "cancelled", "failed", "succeeded"]);
    await web.screenshot(page, "builds");
    expect(failed).toEqual([]);
    await page.close();
  });
});
