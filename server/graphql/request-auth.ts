/**
 * The identity of each GraphQL operation: HTTP requests are authenticated by the mount
 * before PostGraphile sees them (a bad credential is a 401 there); WebSocket operations
 * by the `authorization` connection parameter of graphql-ws (or the upgrade request's
 * header), a bad one failing each operation with code UNAUTHENTICATED.
 */
import type { IncomingMessage } from "node:http";
import { SafeError } from "postgraphile/grafast";
import { AuthError, type Authenticator, type DsAuth } from "./auth.ts";

export interface RequestAuth {
  /** Authenticates an HTTP request once; throws AuthError for a bad credential. */
  http(req: IncomingMessage): DsAuth;
  /** The identity of a GraphQL operation (HTTP or WebSocket). */
  of(requestContext: Partial<Grafast.RequestContext>): DsAuth;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function makeRequestAuth(authenticate: Authenticator): RequestAuth {
  const byRequest = new WeakMap<IncomingMessage, DsAuth>();
  return {
    http(req) {
      const auth = authenticate(header(req.headers.authorization));
      byRequest.set(req, auth);
      return auth;
    },
    of(requestContext) {
      const req = requestContext.node?.req;
      if (req) return byRequest.get(req) ?? authenticate(header(req.headers.authorization));
      const ws = requestContext.ws;
      const authorization = header(ws?.normalizedConnectionParams?.authorization) ?? header(ws?.request?.headers.authorization);
      try {
        return authenticate(authorization);
      } catch (err) {
        if (err instanceof AuthError) throw new SafeError(err.message, { code: "UNAUTHENTICATED" });
        throw err;
      }
    },
  };
}
