/** Backoff of source requests (sources/backoff.ts) and the [source] table of config.toml (datasets/config.ts). */
import { describe, expect, it } from "vitest";
import { parseDatasetConfig } from "../datasets/config.ts";
import { backoffDelay, withBackoff } from "../sources/backoff.ts";
import { redact } from "../sources/credentials.ts";
import { withOrigins } from "../sources/api-url.ts";
import { csvRows } from "../sources/csv-rows.ts";
import { fillTemplate } from "../sources/http-source.ts";

describe("backoff", () => {
  it("waits a random time up to base · 2^(retry-1), capped (full jitter)", () => {
    expect([1, 2, 3, 4].map((r) => backoffDelay(r, 100, 30_000, () => 0.999999))).toEqual([99, 199, 399, 799]);
    expect(backoffDelay(20, 100, 30_000, () => 0.5)).toBe(15_000);
    expect(backoffDelay(3, 100, 30_000, () => 0)).toBe(0);
  });

  it("retries a retryable error at most `retries` times, then throws it", async () => {
    let calls = 0;
    const waits: number[] = [];
    const failing = withBackoff(async () => {
      calls++;
      throw new Error("busy");
    }, { retries: 3, baseMs: 2, retryable: () => true, onRetry: (_e, _r, w) => waits.push(w) });
    await expect(failing).rejects.toThrow("busy");
    expect(calls).toBe(4);
    expect(waits).toHaveLength(3);
    let n = 0;
    expect(await withBackoff(async () => (++n < 3 ? Promise.reject(new Error("x")) : "ok"), { retries: 5, baseMs: 1, retryable: () => true })).toBe("ok");
    expect(n).toBe(3);
  });

  it("does not retry an error that is not retryable, nor after an abort", async () => {
    let calls = 0;
    await expect(withBackoff(async () => {
      calls++;
      throw new Error("bad request");
    }, { retries: 5, baseMs: 1, retryable: () => false })).rejects.toThrow("bad request");
    expect(calls).toBe(1);
    const controller = new AbortController();
    const slow = withBackoff(async () => Promise.reject(new Error("busy")), { retries: 5, baseMs: 60_000, retryable: () => true, signal: controller.signal });
    setTimeout(() => controller.abort(new Error("cancelled")), 20);
    await expect(slow).rejects.toThrow("cancelled");
  });
});

describe("source helpers", () => {
  it("redacts credentials, plain and URL-encoded", () => {
    expect(redact("key=a+b/c&k2=a%2Bb%2Fc", { apiKey: "a+b/c" })).toBe("key=[redacted]&k2=[redacted]");
  });

  it("replaces the origin of every URL of an exchange and keeps the paths", () => {
    expect(withOrigins({ public: "https://api.binance.com/api/v3", fapi: { v1: "https://fapi.binance.com/fapi/v1" } }, "http://127.0.0.1:9"))
      .toEqual({ public: "http://127.0.0.1:9/api/v3", fapi: { v1: "http://127.0.0.1:9/fapi/v1" } });
  });

  it("fills a URL template with the range [start, end) and the symbol, encoded", () => {
    expect(fillTemplate("https://v.example/b?s={symbol}&from={start}&to={end_ms}&t={start_s}", Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 2), "BTC/USD"))
      .toBe("https://v.example/b?s=BTC%2FUSD&from=2024-01-01T00%3A00%3A00.000Z&to=1704153600000&t=1704067200");
  });

  it("reads CSV with quotes and CRLF, and refuses a truncated body", () => {
    expect(csvRows('a,b\r\n1,"x, ""y"""\r\n2,z')).toEqual([{ a: "1", b: 'x, "y"' }, { a: "2", b: "z" }]);
    expect(() => csvRows('a,b\n1,"x')).toThrow(/quoted/);
    expect(() => csvRows("a,b\n1")).toThrow(/line 2/);
  });

  it("reads [source] from config.toml with its fields in snake_case and no builder", () => {
    const def = parseDatasetConfig([
      'name = "s"', 'version = "0.1.0"', 'calendar = "always-open"', 'granularity = "1h"', "start-date = 2024-01-01", 'key = ["symbol"]',
      "[schema]", 'symbol = "str"', "[source]", 'kind = "http"', 'url = "https://v.example/{symbol}"', 'symbols = ["A"]', 'api-url = "http://127.0.0.1:1"',
      'ts-unit = "ms"', 'fields = { ts = "t" }',
    ].join("\n"), "s.toml");
    expect(def.builder).toBeNull();
    expect(def.source).toEqual({ kind: "http", url: "https://v.example/{symbol}", symbols: ["A"], api_url: "http://127.0.0.1:1", ts_unit: "ms", fields: { ts: "t" } });
  });
});
