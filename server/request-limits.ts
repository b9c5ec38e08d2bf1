/**
 * The per-request limits of the HTTP server, from an option object (what `ds serve` and
 * `ds up` pass) with environment variables as fallback, then the defaults.
 *
 * | option | env | default | |
 * |---|---|---|---|
 * | maxFirst | DS_MAX_FIRST | 10000 | GraphQL: largest first/last; a connection without either gets this page size |
 * | maxAliases | DS_MAX_ALIASES | 30 | GraphQL: aliased fields per operation |
 * | maxDepth | DS_MAX_DEPTH | 10 | GraphQL: nesting of selections (introspection excepted) |
 * | maxCost | DS_MAX_COST | 50000 | GraphQL: rows an operation may fetch (see operation-limits.ts) |
 * | maxBodyBytes | DS_MAX_BODY_BYTES | 102400 | GraphQL: request body size (HTTP 413) |
 * | anonymousStatementTimeout | DS_ANONYMOUS_STATEMENT_TIMEOUT | "10s" | GraphQL: PostgreSQL statement_timeout of anonymous requests |
 * | buildWait | DS_BUILD_WAIT | "5min" | REST: how long POST /build waits for its build to end (504, DS016, past it) |
 * | maxPoints | DS_MAX_POINTS | SQL's ds.max_points (1,000,000) | points a REST dry run or build-data read may plan |
 * | maxRows | DS_MAX_ROWS | SQL's ds.max_rows (1,000,000) | rows one read (REST /data, GraphQL data) may return |
 * | maxWriteBytes | DS_MAX_WRITE_BYTES | 16777216 (16 MiB) | REST: body of a POST /data write, JSON or CSV (HTTP 413, DS058, past it) |
 * | maxPushRows | DS_MAX_PUSH_ROWS | 1000 | rows one push event carries (newRows values, the SSE stream); past it the event says truncated |
 * | streamHeartbeatMs | DS_STREAM_HEARTBEAT_MS | 15000 | REST: milliseconds between the SSE stream's heartbeat comments |
 *
 * @example
 * const limits = resolveLimits({ maxFirst: 500 }); // DS_MAX_DEPTH etc. still apply
 */
import { DsError } from "../db/errors.ts";

export interface RequestLimits {
  maxFirst: number;
  maxAliases: number;
  maxDepth: number;
  maxCost: number;
  maxBodyBytes: number;
  /** A PostgreSQL interval or duration ("10s", "500ms"); "0" turns it off. */
  anonymousStatementTimeout: string;
  /** A PostgreSQL interval: how long POST /api/v1/build waits for the build (ds.wait's timeout). */
  buildWait: string;
  /** Undefined: the database's setting ds.max_points applies. */
  maxPoints?: number;
  /** Undefined: the database's setting ds.max_rows applies. */
  maxRows?: number;
  /** Bytes of a REST write's body (JSON or CSV). */
  maxWriteBytes: number;
  /** Rows one push event carries (the newRows subscription's values, the SSE stream). */
  maxPushRows: number;
  /** Milliseconds between the heartbeats of an SSE stream. */
  streamHeartbeatMs: number;
}

type IntegerLimit = "maxFirst" | "maxAliases" | "maxDepth" | "maxCost" | "maxBodyBytes" | "maxPoints" | "maxRows" | "maxWriteBytes" | "maxPushRows" | "streamHeartbeatMs";

const integerLimits: { name: IntegerLimit; env: string; fallback?: number }[] = [
  { name: "maxFirst", env: "DS_MAX_FIRST", fallback: 10_000 },
  { name: "maxAliases", env: "DS_MAX_ALIASES", fallback: 30 },
  { name: "maxDepth", env: "DS_MAX_DEPTH", fallback: 10 },
  { name: "maxCost", env: "DS_MAX_COST", fallback: 50_000 },
  { name: "maxBodyBytes", env: "DS_MAX_BODY_BYTES", fallback: 100 * 1024 },
  { name: "maxPoints", env: "DS_MAX_POINTS" },
  { name: "maxRows", env: "DS_MAX_ROWS" },
  { name: "maxWriteBytes", env: "DS_MAX_WRITE_BYTES", fallback: 16 * 1024 * 1024 },
  { name: "maxPushRows", env: "DS_MAX_PUSH_ROWS", fallback: 1000 },
  { name: "streamHeartbeatMs", env: "DS_STREAM_HEARTBEAT_MS", fallback: 15_000 },
];

const duration = /^(0|[1-9][0-9]*(us|ms|s|min|h|d)?)$/;

function positiveInteger(value: unknown, source: string): number {
  const n = typeof value === "number" ? value : /^[0-9]+$/.test(String(value).trim()) ? Number(String(value).trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new DsError("DS048", `${source} must be a positive integer, not "${String(value)}"`, {
      hint: "Give a whole number of at least 1 (no unit), or leave it unset for the default.",
    });
  }
  return n;
}

function checkDuration(what: string, text: string): string {
  if (!duration.test(text.trim())) {
    throw new DsError("DS048", `${what} must be a duration like 10s or 500ms, not "${text}"`, {
      hint: "Units: us, ms, s, min, h, d (none means milliseconds); 0 turns the timeout off.",
    });
  }
  return text.trim();
}

export function resolveLimits(options: Partial<RequestLimits> = {}, env: NodeJS.ProcessEnv = process.env): RequestLimits {
  const out: Partial<RequestLimits> = {};
  for (const { name, env: variable, fallback } of integerLimits) {
    const given = options[name];
    const fromEnv = env[variable]?.trim() ? env[variable] : undefined;
    if (given !== undefined) out[name] = positiveInteger(given, `the ${name} option`);
    else if (fromEnv !== undefined) out[name] = positiveInteger(fromEnv, variable);
    else out[name] = fallback;
  }
  out.anonymousStatementTimeout = checkDuration("the anonymous statement timeout", options.anonymousStatementTimeout ?? (env.DS_ANONYMOUS_STATEMENT_TIMEOUT?.trim() || "10s"));
  out.buildWait = checkDuration("DS_BUILD_WAIT", options.buildWait ?? (env.DS_BUILD_WAIT?.trim() || "5min"));
  return out as RequestLimits;
}

/** The SQL settings (ds.max_points, ds.max_rows) that carry the limits into PostgreSQL. */
export function sqlLimitSettings(limits: RequestLimits): Record<string, string> {
  const settings: Record<string, string> = {};
  if (limits.maxPoints !== undefined) settings["ds.max_points"] = String(limits.maxPoints);
  if (limits.maxRows !== undefined) settings["ds.max_rows"] = String(limits.maxRows);
  return settings;
}
