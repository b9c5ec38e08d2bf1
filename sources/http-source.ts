/**
 * `[source] kind = "http"`: a vendor's URL template, filled per chunk range (and symbol),
 * answered with JSON or CSV, whose columns map onto the schema (`fields`; an unmapped field
 * reads the column of its own name, ts included). One request per range and symbol, with
 * the same retries as ccxt (429, 5xx, timeouts, dropped connections, a truncated body), at
 * most one request per `rate-limit` ms. An optional `auth-header` carries
 * DS_SOURCE_<credentials>_API_KEY from the worker's environment.
 *
 * @example
 * url = "https://vendor.example/bars?symbol={symbol}&from={start}&to={end}"  # [start, end)
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Field } from "../worker/field-types.ts";
import type { Row } from "../worker/validate-rows.ts";
import { withBackoff } from "./backoff.ts";
import { redact, sourceCredentials } from "./credentials.ts";
import { csvRows } from "./csv-rows.ts";
import { resolveApiUrl, withOrigin } from "./api-url.ts";
import { messageOf, retrySettings, sourceRefused, sourceUnavailable, sourceUnusable, type SourceJob, type SourceRow } from "./source-job.ts";

export interface HttpSource {
  kind: "http";
  url: string;
  format?: "json" | "csv";
  rows?: string;
  fields?: Record<string, string>;
  ts_unit?: "iso" | "ms" | "s";
  symbols?: string[];
  api_url?: string;
  api_url_env?: string;
  rate_limit?: number;
  retries?: number;
  backoff_ms?: number;
  auth_header?: string;
  credentials?: string;
}

/** A response status worth retrying (429, 5xx), or a body that did not parse. */
class Transient extends Error {}
/** A response status that retrying will not change. */
class Refused extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

const REQUEST_TIMEOUT_MS = 30_000;

export async function fetchHttp(source: HttpSource, schema: Field[], job: SourceJob): Promise<SourceRow[]> {
  const id = source.credentials ?? job.dataset.toUpperCase().replace(/[^A-Z0-9]/g, "_");
  const creds = sourceCredentials(id);
  const origin = resolveApiUrl(source, `${job.dataset} ${job.version}`);
  const headers: Record<string, string> = { accept: source.format === "csv" ? "text/csv" : "application/json" };
  if (source.auth_header) {
    if (!creds.apiKey) throw sourceRefused(job, `no DS_SOURCE_${id}_API_KEY in the environment for ${source.auth_header}`, creds, `DS_SOURCE_${id}_`);
    headers[source.auth_header] = creds.apiKey;
  }
  const { retries, baseMs } = retrySettings(source);
  const out: SourceRow[] = [];
  let lastRequest = 0;
  for (const symbol of job.symbols ?? [null]) {
    for (const [lower, upper] of job.ranges) {
      const template = origin ? withOrigin(source.url, origin) : source.url;
      const url = fillTemplate(template, lower, upper, symbol);
      const what = `GET ${redact(url, creds)}`;
      let records: Record<string, unknown>[];
      try {
        records = await withBackoff(async () => {
          const wait = lastRequest + (source.rate_limit ?? 0) - Date.now();
          if (wait > 0) await sleep(wait, undefined, { signal: job.signal });
          lastRequest = Date.now();
          return parseBody(await request(url, headers, job.signal), source);
        }, {
          retries, baseMs, signal: job.signal,
          retryable: (err) => err instanceof Transient || (err instanceof TypeError && !job.signal.aborted) || isTimeout(err),
          onRetry: (err, retry, wait) => job.onRetry?.(redact(`${what}: ${messageOf(err)}`, creds), retry, wait),
        });
      } catch (err) {
        if (job.signal.aborted) throw err;
        if (err instanceof Refused) {
          if (err.status === 401 || err.status === 403) throw sourceRefused(job, `${what}: ${err.message}`, creds, `DS_SOURCE_${id}_`);
          throw sourceUnusable(job, `${what}: ${err.message}`, creds);
        }
        if (err instanceof Transient || err instanceof TypeError || isTimeout(err)) throw sourceUnavailable(job, what, err, retries + 1, creds);
        throw err;
      }
      for (const [n, record] of records.entries()) {
        const mapped = mapRecord(record, source, schema, symbol);
        if (typeof mapped === "string") throw sourceUnusable(job, `${what}: row ${n}: ${mapped}`, creds, "Fix [source] fields or ts-unit to match the response.");
        if (mapped.ts >= lower && mapped.ts < upper) out.push(mapped);
      }
    }
  }
  return out;
}

/** The URL with {start}, {end} (ISO 8601), {start_ms}, {end_ms}, {start_s}, {end_s} and {symbol} filled in. */
export function fillTemplate(template: string, lower: number, upper: number, symbol: string | null): string {
  const values: Record<string, string> = {
    start: new Date(lower).toISOString(), end: new Date(upper).toISOString(),
    start_ms: String(lower), end_ms: String(upper),
    start_s: String(Math.floor(lower / 1000)), end_s: String(Math.floor(upper / 1000)),
    symbol: symbol ?? "",
  };
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? ""));
}

async function request(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<string> {
  const response = await fetch(url, { headers, signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]) });
  const body = await response.text();
  if (response.status === 429 || response.status >= 500) throw new Transient(`${response.status} ${response.statusText}: ${body.slice(0, 200)}`);
  if (!response.ok) throw new Refused(`${response.status} ${response.statusText}: ${body.slice(0, 200)}`, response.status);
  return body;
}

function parseBody(body: string, source: HttpSource): Record<string, unknown>[] {
  if (source.format === "csv") {
    try {
      return csvRows(body);
    } catch (err) {
      throw new Transient(messageOf(err));
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    throw new Transient(`invalid JSON (truncated?): ${messageOf(err)}`);
  }
  for (const part of source.rows ? source.rows.split(".") : []) value = (value as Record<string, unknown> | null)?.[part];
  if (!Array.isArray(value)) throw new Refused(`expected an array of rows${source.rows ? ` at ${source.rows}` : ""}, got ${typeof value}`, 200);
  return value as Record<string, unknown>[];
}

function isTimeout(err: unknown): boolean {
  return (err as Error)?.name === "TimeoutError";
}

/** A record of the response as a row of the schema, or the reason it cannot be one. */
function mapRecord(record: Record<string, unknown>, source: HttpSource, schema: Field[], symbol: string | null): SourceRow | string {
  if (record === null || typeof record !== "object") return `expected an object, got ${JSON.stringify(record)}`;
  const column = (name: string) => source.fields?.[name] ?? name;
  const rawTs = record[column("ts")];
  const ts = source.ts_unit === "ms" ? Number(rawTs) : source.ts_unit === "s" ? Number(rawTs) * 1000 : Date.parse(String(rawTs));
  if (rawTs === undefined || rawTs === null || !Number.isFinite(ts)) return `no valid time in column "${column("ts")}": ${JSON.stringify(rawTs)}`;
  const row: Row = {};
  for (const f of schema) {
    if (f.name === "symbol" && symbol !== null) {
      row.symbol = symbol;
      continue;
    }
    const v = record[column(f.name)];
    if (v === undefined) return `no column "${column(f.name)}" for field ${f.name}`;
    row[f.name] = typedValue(v, f);
  }
  return { ts, row };
}

/** Text of a CSV cell or a JSON string as the field's type (numbers vendors send as strings); other values unchanged. */
function typedValue(v: unknown, f: Field): unknown {
  if (v === "" && f.nullable) return null;
  if (typeof v !== "string") return v;
  if (f.type === "float") return v === "" ? v : Number(v);
  if (f.type === "int") return /^-?\d+$/.test(v) ? (Number.isSafeInteger(Number(v)) ? Number(v) : BigInt(v)) : v;
  if (f.type === "bool") return v === "true" ? true : v === "false" ? false : v;
  return v;
}
