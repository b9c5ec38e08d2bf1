/**
 * The web UI in headless Chromium against a real database holding the example datasets of
 * builders/, partly built: the catalog (names, kinds, row counts, coverage, latest builds,
 * search and tags), a dataset page (coverage timeline, the chart drawn, resampled through
 * ds.bars when zoomed out and raw rows when zoomed in, the rows newest first with the JSON
 * view, the dependency graph, download links), all from the server alone (no CDN).
 * Screenshots go to test/screenshots/ (docs/screenshots/, shown by the README, with DS_UPDATE_SCREENSHOTS=1).
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../db/project-root.ts";
import { hasChromium } from "./support/chromium.ts";
import { useWebFixture } from "./support/web-fixture.ts";

describe.skipIf(!hasChromium("web-pages.test.ts"))("the web UI's pages", () => {
  const web = useWebFixture("web_pages", join(projectRoot(), "builders"));

  beforeAll(async () => {
    for (const [name, version, start, end] of [
      ["mock-minute-bars", "0.1.0", "2024-01-02", "2024-01-09 23:59"],
      ["mock-bars-5m", "0.1.0", "2024-01-02", "2024-01-05 23:59"],
      ["mock-multi-ohlc", "0.1.0", "2020-01-01", "2021-06-30"],
      ["mock-multi-rsi", "0.2.0", "2020-06-01", "2020-12-31"],
    ]) {
      const { id } = (await web.db.pool.query("select ds.build($1, $2, $3, $4) as id", [name, version, start, end])).rows[0];
      const { state } = (await web.db.pool.query("select ds.wait($1, '3 minutes') as state", [id])).rows[0];
      expect(state, `${name} ${version}`).toBe("succeeded");
    }
  }, 240_000);

  it("the catalog lists every version with its kind, rows, coverage and latest build; search and tags filter it", async () => {
    const { page, failed, external } = await web.open("/");
    const row = page.locator('tr.dataset-row[data-name="mock-minute-bars"]');
    await row.waitFor();
    expect(await row.locator(".kind").innerText()).toBe("built");
    // 2 tickers × 390 minutes × 6 sessions (2024-01-02 to 2024-01-09)
    expect(await row.locator(".rows").innerText()).toBe((2 * 390 * 6).toLocaleString("en-US"));
    expect(await row.locator(".state").innerText()).toBe("succeeded");
    expect(await page.locator('tr.dataset-row[data-name="mock-bars-5m"] .kind').innerText()).toBe("transform");
    expect(await page.locator('tr.dataset-row[data-name="mock-ticks"] .kind').innerText()).toBe("written");
    expect(await page.locator('tr.dataset-row[data-name="mock-ticks"] td').nth(7).innerText()).toBe("never built");
    // mock-multi-ohlc: 2020-01-01 to 2021-06-30 of everyday points up to today (2026-12-05 in the tests' world is now())
    const pct = await page.locator('tr.dataset-row[data-name="mock-multi-ohlc"] .cov-pct').innerText();
    const { expected } = (await web.db.pool.query(
      "select round(100 * coverage::numeric, 1)::text || '%' as expected from ds_server.catalog('mock-multi-ohlc', '0.1.0')")).rows[0];
    expect(pct).toBe(expected);
    expect(await page.locator('tr.dataset-row[data-name="mock-multi-ohlc"] .cov-built').count()).toBe(1);
    const all = await page.locator("tr.dataset-row").count();
    await web.screenshot(page, "catalog");
    await page.fill("#search", "rsi");
    expect(await page.locator("tr.dataset-row").count()).toBe(1);
    await page.fill("#search", "");
    expect(await page.locator("tr.dataset-row").count()).toBe(all);
    expect(failed).toEqual([]);
    expect(external).toEqual([]);
    await page.close();
  });

  /** Pixels of the chart's canvases in a colour (lightweight-charts draws on 2D canvases). */
  function chartPixels(page: import("playwright-core").Page, rgb: [number, number, number]) {
    return page.evaluate((c) => {
      let n = 0;
      for (const canvas of document.querySelectorAll<HTMLCanvasElement>(".chart canvas")) {
        const ctx = canvas.getContext("2d");
        if (!ctx || canvas.width === 0) continue;
        const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < px.length; i += 4) if (Math.abs(px[i]! - c[0]) < 8 && Math.abs(px[i + 1]! - c[1]) < 8 && Math.abs(px[i + 2]! - c[2]) < 8 && px[i + 3]! > 200) n++;
      }
      return n;
    }, rgb);
  }
  const GREEN: [number, number, number] = [0x16, 0xa3, 0x4a];
  const RED: [number, number, number] = [0xdc, 0x26, 0x26];

  it("a dataset page shows its facts, coverage timeline, candlesticks, rows newest first with the JSON view, dependencies and download links", async () => {
    const { page, failed, external } = await web.open("/#/d/mock-bars-5m/0.1.0");
    const info = page.locator(".chart-info[data-points]");
    await info.waitFor({ timeout: 30_000 });
    await page.locator("table.rows tr.data-row").first().waitFor({ timeout: 30_000 });
    await page.locator(".timeline .tl-built").first().waitFor();
    expect(await page.locator(".ds-name").innerText()).toBe("mock-bars-5m");
    expect(await page.locator('[data-fact="rows"]').innerText()).toBe("624"); // 2 tickers × 78 bars × 4 sessions
    expect(await page.locator('[data-fact="built"]').innerText()).toBe("2024-01-02 14:30 → 2024-01-05 20:55");
    // the chart: raw 5m rows of the first ticker (QQQ), candles of both colours drawn
    expect(await info.getAttribute("data-interval")).toBe("raw");
    expect(await info.getAttribute("data-points")).toBe("312");
    expect(await info.innerText()).toMatch(/^QQQ · raw 5m rows · 312 points/);
    expect(await chartPixels(page, GREEN)).toBeGreaterThan(200);
    expect(await chartPixels(page, RED)).toBeGreaterThan(200);
    // the rows: newest first, the two tickers of a timestamp grouped under it
    const first = page.locator("table.rows tbody tr").first();
    expect(await first.locator("td.ts").innerText()).toBe("2024-01-05 20:55");
    expect(await first.locator("td.ts").getAttribute("rowspan")).toBe("2");
    await page.locator(".page-info", { hasText: /^page 1 · 20 timestamps, newest first · 2024-01-05 20:55 → 2024-01-05 19:20$/ }).waitFor();
    await page.locator("button.older").click();
    await page.locator(".page-info", { hasText: "page 2" }).waitFor();
    expect(await page.locator("table.rows tbody tr td.ts").first().innerText()).toBe("2024-01-05 19:15");
    await page.locator("button.newer").click();
    await page.locator(".page-info", { hasText: "page 1" }).waitFor();
    await page.locator("table.rows tbody tr").nth(1).click();
    const json = JSON.parse(await page.locator("#json-text").innerText());
    const stored = (await web.db.pool.query("select data from ds.data('mock-bars-5m', '0.1.0', '2024-01-05 20:55', '2024-01-05 20:55') offset 1")).rows[0].data;
    expect(json).toEqual({ timestamp: "2024-01-05T20:55:00.000Z", ...stored });
    await page.locator("#json-dialog button").click();
    // the dependency graph: the resample reads mock-minute-bars
    expect(await page.locator(".graph-node").evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-node"))).then((n) => n.sort())).toEqual(["mock-bars-5m@0.1.0", "mock-minute-bars@0.1.0"]);
    expect(await page.locator(".dep-graph path.edge").count()).toBe(1);
    expect(await page.locator('.graph-node[data-node="mock-minute-bars@0.1.0"] .node-pct').textContent()).toMatch(/^0\.\d%$/);
    // the coverage timeline: 4 sessions built, in one merged range
    expect(await page.locator(".timeline .tl-built").count()).toBe(1);
    // download links for the visible range, CSV and Parquet on the REST data route
    const csv = await page.locator("a.download.csv").getAttribute("href");
    expect(csv).toBe("/api/v1/data/mock-bars-5m/0.1.0?start=2024-01-02T14:30:00&end=2024-01-05T20:59:59&build-data=false&format=csv");
    expect(await page.locator("a.download.parquet").getAttribute("href")).toBe(csv!.replace("format=csv", "format=parquet"));
    await web.screenshot(page, "dataset");
    expect(failed).toEqual([]);
    expect(external).toEqual([]);
    await page.close();
  });

  it("a dataset without OHLC fields is drawn as lines of its numeric fields", async () => {
    const { page, failed } = await web.open("/#/d/mock-multi-rsi/0.2.0");
    const info = page.locator(".chart-info[data-points]");
    await info.waitFor({ timeout: 30_000 });
    // 2020-06-01 to 2020-12-31 for the first of the 3 tickers
    expect(await info.innerText()).toMatch(/^AAPL · raw 1d rows · 214 points · 2020-06-01 → 2020-12-31 23:59:59$/);
    expect(await chartPixels(page, [0x25, 0x63, 0xeb])).toBeGreaterThan(300); // the rsi line
    expect(await page.locator("#key-select option").allInnerTexts()).toEqual(["AAPL", "GOOG", "MSFT"]);
    expect(failed).toEqual([]);
    await page.close();
  });

  it("the chart asks ds.bars for resampled data when zoomed out and raw rows of the visible range when zoomed in", async () => {
    const { page, failed } = await web.open("/#/d/mock-minute-bars/0.1.0");
    const reads: { bars: boolean; startAt: string; endAt: string }[] = [];
    page.on("request", (r) => {
      const body = r.postData();
      if (!r.url().endsWith("/graphql") || !body) return;
      const { query, variables } = JSON.parse(body) as { query: string; variables: Record<string, string> };
      if (/\b(bars|data)\(/.test(query) && variables.startAt !== variables.endAt && !query.includes("at: Datetime")) reads.push({ bars: query.includes("bars("), startAt: variables.startAt!, endAt: variables.endAt! });
    });
    const info = page.locator(".chart-info[data-points]");
    await info.waitFor({ timeout: 30_000 });
    // 6 sessions of minutes for one ticker are more than the chart asks for at once: 10-minute bars
    expect(await info.getAttribute("data-interval")).toBe("10m");
    expect(Number(await info.getAttribute("data-points"))).toBe(6 * 39);
    expect(await chartPixels(page, GREEN)).toBeGreaterThan(200);
    await web.screenshot(page, "chart-bars");
    // zoom in on the last part of the chart: the visible range alone is read, as raw minutes
    const box = (await page.locator(".chart").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
    for (let i = 0; i < 12; i++) await page.mouse.wheel(0, -300);
    await page.locator('.chart-info[data-interval="raw"]').waitFor({ timeout: 30_000 });
    // what the chart shows: raw minutes of a range narrower than the first (the visible one)
    const shown = /· (\d{4}-\d\d-\d\d[ \d:]*) → (\d{4}-\d\d-\d\d[ \d:]*)$/.exec(await info.innerText())!;
    const span = Date.parse(`${shown[2]!.trim().replace(" ", "T")}Z`) - Date.parse(`${shown[1]!.trim().replace(" ", "T")}Z`);
    expect(span).toBeLessThan(0.8 * (Date.parse("2024-01-09T21:00:00Z") - Date.parse("2024-01-02T14:30:00Z")));
    // and it read that range alone, raw (GraphQL data, not bars)
    const read = reads.find((r) => !r.bars && Math.abs(Date.parse(r.endAt) - Date.parse(r.startAt) - span) < 60_000);
    expect(read, JSON.stringify(reads)).toBeDefined();
    expect(Number(await info.getAttribute("data-points"))).toBeGreaterThan(10);
    expect(await chartPixels(page, GREEN) + await chartPixels(page, RED)).toBeGreaterThan(200);
    await web.screenshot(page, "chart-zoomed");
    // the key selector: the other ticker
    await page.selectOption("#key-select", { label: "SPY" });
    await page.locator(".chart-info", { hasText: /^SPY · raw 1m rows/ }).waitFor();
    expect(failed).toEqual([]);
    await page.close();
  });
});
