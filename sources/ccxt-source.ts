/**
 * `[source] kind = "ccxt"`: OHLCV bars or trades of an exchange through the ccxt library.
 * Pages are fetched with since/limit and an `until` at the range's end; ccxt paces the
 * requests (enableRateLimit, `rate-limit` ms apart); every request is retried with backoff
 * and jitter (backoff.ts) on ccxt's transient errors (NetworkError: 429, 5xx, timeouts,
 * dropped connections; BadResponse: a body that is not the JSON it should be).
 *
 * Traps (docs/sources.md): ccxt's parseJson swallows invalid JSON and returns undefined, so
 * a truncated page reads as an empty page — the end of the data: the instance's parseJson
 * is wrapped to throw BadResponse instead, which is retried. And an exchange maps the error
 * code in a 429's or 5xx's JSON body to a final error class: the instance's onRestResponse
 * turns those statuses into RateLimitExceeded / ExchangeNotAvailable first.
 */
import ccxt, { type Exchange } from "ccxt";
import { withBackoff } from "./backoff.ts";
import { redact, sourceCredentials, type Credentials } from "./credentials.ts";
import { resolveApiUrl, withOrigins } from "./api-url.ts";
import { messageOf, retrySettings, sourceRefused, sourceUnavailable, sourceUnusable, type SourceJob, type SourceRow } from "./source-job.ts";

export interface CcxtSource {
  kind: "ccxt";
  exchange: string;
  symbols: string[];
  fetch?: "ohlcv" | "trades";
  api_url?: string;
  api_url_env?: string;
  rate_limit?: number;
  page_size?: number;
  retries?: number;
  backoff_ms?: number;
}

/** Binance's aggTrades answers at most one hour per request (ccxt sets that window itself without until). */
const TRADES_WINDOW_MS = 3_600_000;

/** One instance per exchange, origin and credentials in a process: markets load once, and ccxt's pacing is shared. */
const instances = new Map<string, Exchange>();

function exchangeFor(source: CcxtSource, origin: string | null, creds: Credentials, job: SourceJob): Exchange {
  const key = JSON.stringify([source.exchange, origin, source.rate_limit ?? null, creds]);
  let exchange = instances.get(key);
  if (exchange) return exchange;
  const Class = (ccxt as unknown as Record<string, new (config: object) => Exchange>)[source.exchange];
  if (!ccxt.exchanges.includes(source.exchange) || typeof Class !== "function") {
    throw sourceUnusable(job, `unknown ccxt exchange "${source.exchange}"`, creds, `Use one of ccxt's exchange ids (ccxt ${ccxt.version}), for example binance.`);
  }
  exchange = new Class({ enableRateLimit: true, ...(source.rate_limit !== undefined ? { rateLimit: source.rate_limit } : {}), ...creds });
  // market data needs no currencies (often a private endpoint)
  exchange.has = { ...exchange.has, fetchCurrencies: false };
  if (origin) exchange.urls = { ...exchange.urls, api: withOrigins(exchange.urls.api, origin) };
  // the HTTP status decides what is transient, before the exchange maps its body's error code
  const onRestResponse = exchange.onRestResponse.bind(exchange);
  exchange.onRestResponse = (status: number, statusText: string, url: string, method: string, headers: unknown, body: string, ...rest: unknown[]) => {
    const said = () => `${source.exchange} ${status} ${statusText}: ${String(body).slice(0, 200)}`;
    if (status === 429) throw new ccxt.RateLimitExceeded(said());
    if (status >= 500) throw new ccxt.ExchangeNotAvailable(said());
    return (onRestResponse as (...args: unknown[]) => string)(status, statusText, url, method, headers, body, ...rest);
  };
  const parseJson = exchange.parseJson.bind(exchange);
  exchange.parseJson = (text: string) => {
    const value = parseJson(text);
    if (value === undefined && typeof text === "string" && exchange!.isJsonEncodedObject(text)) {
      throw new ccxt.BadResponse(`${source.exchange}: invalid JSON in the response (truncated?), ${text.length} characters`);
    }
    return value;
  };
  instances.set(key, exchange);
  return exchange;
}

export async function fetchCcxt(source: CcxtSource, job: SourceJob): Promise<SourceRow[]> {
  const creds = sourceCredentials(source.exchange);
  const envPrefix = `DS_SOURCE_${source.exchange.toUpperCase()}_`;
  const exchange = exchangeFor(source, resolveApiUrl(source, `${job.dataset} ${job.version}`), creds, job);
  const { retries, baseMs } = retrySettings(source);
  const call = async <T>(what: string, request: () => Promise<T>): Promise<T> => {
    try {
      return await withBackoff(request, {
        retries, baseMs, signal: job.signal,
        retryable: (err) => err instanceof ccxt.NetworkError || err instanceof ccxt.BadResponse,
        onRetry: (err, retry, wait) => job.onRetry?.(redact(`${what}: ${messageOf(err)}`, creds), retry, wait),
      });
    } catch (err) {
      if (job.signal.aborted) throw err;
      if (err instanceof ccxt.NetworkError || err instanceof ccxt.BadResponse) throw sourceUnavailable(job, what, err, retries + 1, creds);
      if (err instanceof ccxt.AuthenticationError || err instanceof ccxt.PermissionDenied) throw sourceRefused(job, messageOf(err), creds, envPrefix);
      if (err instanceof ccxt.BaseError) throw sourceUnusable(job, `${what}: ${messageOf(err)}`, creds);
      throw err;
    }
  };
  await call(`${source.exchange} markets`, () => exchange.loadMarkets());
  const fetch = source.fetch ?? "ohlcv";
  const timeframe = granularityTimeframe(job.step_ms);
  if (fetch === "ohlcv" && !exchange.timeframes?.[timeframe]) {
    throw sourceUnusable(job, `${source.exchange} has no OHLCV timeframe ${timeframe}`, creds,
      `Use a granularity among ${Object.keys(exchange.timeframes ?? {}).join(", ") || "none"}, or fetch = "trades".`);
  }
  const out: SourceRow[] = [];
  for (const symbol of job.symbols ?? []) {
    if (!exchange.markets?.[symbol]) {
      throw sourceUnusable(job, `${source.exchange} has no market ${symbol}`, creds, "List symbols as ccxt writes them, for example BTC/USDT.");
    }
    for (const [lower, upper] of job.ranges) {
      if (fetch === "ohlcv") await ohlcvPages(exchange, call, source, symbol, timeframe, job.step_ms, lower, upper, out);
      else await tradePages(exchange, call, source, symbol, lower, upper, out);
    }
  }
  return out;
}

type Call = <T>(what: string, request: () => Promise<T>) => Promise<T>;

async function ohlcvPages(exchange: Exchange, call: Call, source: CcxtSource, symbol: string, timeframe: string, step: number,
  lower: number, upper: number, out: SourceRow[]): Promise<void> {
  for (let since = lower; since < upper;) {
    const page = await call(`${source.exchange} ${symbol} OHLCV since ${new Date(since).toISOString()}`,
      () => exchange.fetchOHLCV(symbol, timeframe, since, source.page_size, { until: upper - 1 }));
    let last = -Infinity;
    for (const [ts, open, high, low, close, volume] of page) {
      if (ts === undefined || ts < since || ts >= upper) continue;
      out.push({ ts, row: { symbol, open: open ?? null, high: high ?? null, low: low ?? null, close: close ?? null, volume: volume ?? null } });
      last = Math.max(last, ts);
    }
    // no bar at or after `since` (before the listing the exchange answers from the listing on)
    if (last === -Infinity) break;
    since = last + step;
  }
}

async function tradePages(exchange: Exchange, call: Call, source: CcxtSource, symbol: string, lower: number, upper: number,
  out: SourceRow[]): Promise<void> {
  const seen = new Set<string>();
  for (let since = lower; since < upper;) {
    const until = Math.min(since + TRADES_WINDOW_MS, upper) - 1;
    const page = await call(`${source.exchange} ${symbol} trades since ${new Date(since).toISOString()}`,
      () => exchange.fetchTrades(symbol, since, source.page_size, { until }));
    let last = -Infinity;
    for (const t of page) {
      if (t.timestamp === undefined || t.timestamp < since || t.timestamp > until) continue;
      last = Math.max(last, t.timestamp);
      const id = String(t.id ?? `${t.timestamp}`);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ ts: t.timestamp, row: { symbol, id, price: t.price ?? null, amount: t.amount ?? null, side: t.side ?? null } });
    }
    // a full page may stop inside a millisecond: the next page starts at that millisecond (ids dedupe);
    // a short page ends the window
    const full = source.page_size !== undefined ? page.length >= source.page_size : page.length >= 500;
    since = full && last > since ? last : full && last === since ? since + 1 : until + 1;
  }
}

/** The granularity as a ccxt timeframe: 60000 ms → "1m", 3600000 → "1h", 86400000 → "1d". */
export function granularityTimeframe(stepMs: number): string {
  for (const [unit, ms] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const) {
    if (stepMs % ms === 0) return `${stepMs / ms}${unit}`;
  }
  return `${stepMs}ms`;
}
