/**
 * The one place that maps errors to HTTP responses for the REST API: SQLSTATEs of class DS
 * and PostgreSQL's own codes, builder failures of dry runs, and the API's own errors.
 * Bodies are FastAPI-style `{detail}` plus the SQLSTATE in `code` and the `hint`.
 */
import { BuilderFailure } from "../../worker/builder-pool.ts";
import { toDsError } from "../../db/errors.ts";

/** An error the REST layer answers with a given status (and, optionally, an exact body). */
export class HttpError extends Error {
  readonly status: number;
  readonly code?: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  constructor(status: number, detail: string, extra: { code?: string; body?: unknown; headers?: Record<string, string> } = {}) {
    super(detail);
    this.name = "HttpError";
    this.status = status;
    this.code = extra.code;
    this.body = extra.body;
    this.headers = extra.headers;
  }
}

/** HTTP status of each datastream SQLSTATE the API can meet. */
export const statusOfCode: Readonly<Record<string, number>> = {
  DS001: 404, // unknown dataset or version
  DS002: 400, // invalid version (not semver)
  DS012: 422, // invalid range: start after end, end before the start date
  DS013: 422, // the range has no calendar points
  DS015: 404, // unknown build
  DS016: 504, // waiting for the build timed out
  DS017: 500, // builder output failed validation
  DS018: 500, // builder could not run
  DS007: 422, // a bad granularity (interval=)
  DS019: 400, // invalid dataset definition
  DS025: 422, // not OHLC-shaped (interval=)
  DS050: 400, // a bad argument to a catalog function
  DS021: 500, // build-data: the build failed or was cancelled
  DS022: 403, // the role may read but not build
  DS026: 422, // a dataset written from outside is never built
  DS027: 409, // a write met a stored row (conflict = reject)
  DS028: 422, // a write into a built dataset
  DS029: 400, // a bad write argument
  DS057: 400, // a write body that is not rows (415 for its content type: write-route.ts)
  DS058: 413, // a write body over DS_MAX_WRITE_BYTES
  DS033: 422, // over a per-request limit of points or rows
  DS035: 400, // a non-finite timestamp (infinity, -infinity)
  DS064: 422, // a write needing more than 10,000 partitions
  DS036: 503, // a write reached a read-only standby: use the primary
  DS039: 503, // the database cannot be reached
};

interface PgLikeError {
  code?: unknown;
  message?: string;
  detail?: string;
  hint?: string;
}

/** The SQLSTATE (or Node error code) → HTTP status rule. */
export function statusOf(code: string): number {
  if (code in statusOfCode) return statusOfCode[code]!;
  if (code.startsWith("22")) return 400; // data exceptions: a malformed or out-of-range timestamp (22007, 22008)
  if (code.startsWith("08") || code === "57P01" || code === "57P03" || code === "53300") return 503; // database unavailable
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "ETIMEDOUT") return 503;
  return 500;
}

export interface ErrorResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** True when the error is unexpected and was masked: log it. */
  internal: boolean;
}

export function errorResponse(err: unknown): ErrorResponse {
  if (err instanceof HttpError) {
    const body = err.body ?? { detail: err.message, ...(err.code ? { code: err.code } : {}) };
    return { status: err.status, body, headers: err.headers, internal: false };
  }
  if (err instanceof BuilderFailure) return { status: 500, body: { detail: err.message, ...(err.code ? { code: err.code } : {}) }, internal: false };
  const e = toDsError(err) as PgLikeError; // 25006 (read-only standby) is DS036
  const code = typeof e?.code === "string" ? e.code : undefined;
  if (code && (code.startsWith("DS") || code.startsWith("22"))) {
    const detail = e.detail ? `${e.message} (${e.detail})` : e.message;
    return { status: statusOf(code), body: { detail, code, ...(e.hint ? { hint: e.hint } : {}) }, internal: false };
  }
  if (code && statusOf(code) === 503) return { status: 503, body: { detail: "database unavailable" }, internal: true };
  return { status: 500, body: { detail: "internal error" }, internal: true };
}
