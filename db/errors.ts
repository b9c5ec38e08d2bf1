/**
 * The one place that maps PostgreSQL errors to datastream errors. Every error raised by
 * the `ds` schema carries a SQLSTATE of class DS (DS001, DS002, ...) with a DETAIL and a
 * HINT; the CLI prints them as one line.
 */

export class DsError extends Error {
  readonly code: string;
  readonly detail?: string;
  readonly hint?: string;
  constructor(code: string, message: string, extra: { detail?: string; hint?: string; cause?: unknown } = {}) {
    super(message, { cause: extra.cause });
    this.name = "DsError";
    this.code = code;
    this.detail = extra.detail;
    this.hint = extra.hint;
  }
}

interface PgLikeError {
  code?: string;
  message: string;
  detail?: string;
  hint?: string;
}

/** True for errors the user can fix (ours, and PostgreSQL's data/syntax classes). */
export function isUserError(err: unknown): err is PgLikeError {
  const code = (err as PgLikeError | undefined)?.code;
  return typeof code === "string" && (code.startsWith("DS") || code.startsWith("22") || code.startsWith("42"));
}

/**
 * Wrap any error from the database into a DsError when it is one of ours. PostgreSQL's
 * 25006 (a write in a read-only transaction) becomes DS036: in datastream it means a write
 * reached a hot standby by a path the write functions' own check (DS036) does not cover.
 */
export function toDsError(err: unknown): unknown {
  if (err instanceof DsError) return err;
  const e = err as PgLikeError;
  if (e?.code === "25006") {
    return new DsError("DS036", "this write needs the primary: the database is read-only (a hot standby)", {
      detail: e.message, hint: "Send builds, writes, imports, deletes and cancels to the primary; reads work on the standby.", cause: err,
    });
  }
  if (typeof e?.code === "string" && e.code.startsWith("DS")) {
    return new DsError(e.code, e.message, { detail: e.detail, hint: e.hint, cause: err });
  }
  return err;
}

/** One readable line: `error DS003: message (detail) — hint: ...`. */
export function formatError(err: unknown): string {
  err = toDsError(err);
  const e = err as PgLikeError;
  if (err instanceof DsError || isUserError(err)) {
    let line = `error ${e.code}: ${e.message}`;
    if (e.detail) line += ` (${e.detail})`;
    if (e.hint) line += ` — hint: ${e.hint}`;
    return line;
  }
  return `error: ${(err as Error | undefined)?.message ?? String(err)}`;
}
