/**
 * Anonymous GraphQL operations without a transaction. PostGraphile wraps every operation
 * whose pgSettings are not empty in `begin; select set_config(...); ...; commit` — four
 * round trips where a read needs one. Anonymous operations all have the same settings
 * (role ds_reader, the anonymous statement_timeout, ds.max_rows/ds.max_points), so they
 * run on a pool of their own whose connections start with those settings
 * (session-pool.ts), with empty pgSettings: one round trip per query. Operations with a
 * credential (API key, JWT) keep PostGraphile's per-operation settings on the main pool.
 *
 * A grafast `prepareArgs` middleware placed after PgContextPlugin (which fills
 * `withPgClient` and `pgSettings` in the context) swaps both for anonymous operations.
 */
import type pg from "pg";
import { makePgAdaptorWithPgClient } from "postgraphile/adaptors/pg";

export interface AnonymousPoolOptions {
  pool: pg.Pool;
  /** Whether the operation of this request context is anonymous. */
  isAnonymous(requestContext: Partial<Grafast.RequestContext>): boolean;
}

export function makeAnonymousPoolPlugin({ pool, isAnonymous }: AnonymousPoolOptions): GraphileConfig.Plugin {
  const withPgClient = makePgAdaptorWithPgClient(pool);
  return {
    name: "DsAnonymousPoolPlugin",
    version: "0.1.0",
    after: ["PgContextPlugin"],
    grafast: {
      middleware: {
        prepareArgs(next, { args }) {
          const context = args.contextValue as unknown as Record<string, unknown> | undefined;
          if (context && args.requestContext && isAnonymous(args.requestContext)) {
            context.withPgClient = withPgClient;
            context.pgSettings = null;
          }
          return next();
        },
      },
    },
  };
}
