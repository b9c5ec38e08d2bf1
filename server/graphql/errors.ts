/**
 * What clients see of errors (grafserv's `maskError`). Errors raised by ds functions
 * (SQLSTATE class DS) and bad input rejected by Postgres (class 22, e.g. a malformed
 * timestamp) reach them with their code in `extensions.code`, their message, and the
 * DETAIL and HINT in `extensions.detail` / `extensions.hint`; a refused privilege (42501)
 * comes with a hint on what is missing, a statement timeout (57014) with one on what to do. Everything else is masked and logged with an id.
 */
import { GraphQLError } from "postgraphile/graphql";
import { isSafeError } from "postgraphile/grafast";
import { defaultMaskError } from "postgraphile/grafserv";
import { toDsError } from "../../db/errors.ts";

interface PgError extends Error {
  code?: unknown;
  detail?: string;
  hint?: string;
}

function withMessage(error: GraphQLError, message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions,
  });
}

export function maskError(error: GraphQLError): GraphQLError {
  // 25006 (a write on a read-only standby) is DS036
  const original = (error.originalError && toDsError(error.originalError)) as PgError | undefined;
  // GraphQL's own errors (validation, null in a non-null field) and our SafeErrors
  if (!original || original instanceof GraphQLError || isSafeError(original)) return defaultMaskError(error);
  const code = typeof original.code === "string" ? original.code : null;
  if (code && (code.startsWith("DS") || code.startsWith("22"))) {
    const extensions: Record<string, unknown> = { code };
    if (original.detail) extensions.detail = original.detail;
    if (original.hint) extensions.hint = original.hint;
    return withMessage(error, original.message, extensions);
  }
  if (code === "57014") {
    return withMessage(error, original.message, {
      code,
      hint: "The query ran past its statement timeout (anonymous requests have a short one): ask for less, or use an API key.",
    });
  }
  if (code === "42501") {
    return withMessage(error, original.message, {
      code,
      hint: "Anonymous requests are read-only: build, cancel, delete and data(build: true) need an API key or a JWT with role ds_builder.",
    });
  }
  return defaultMaskError(error);
}
