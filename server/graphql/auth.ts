/**
 * Who a GraphQL request acts as. No Authorization header: anonymous, role ds_reader
 * (read-only). `Authorization: Bearer <key>` with a configured API key: ds_builder.
 * `Authorization: Bearer <JWT>` signed with HS256 and the secret JWT_SECRET, whose claim
 * `role` is ds_reader or ds_builder: that role. Anything else is refused (HTTP 401), never
 * silently anonymous.
 *
 * @example
 * const auth = makeAuthenticator({ apiKeys, jwtSecret: process.env.JWT_SECRET });
 * auth("Bearer ds_abc...") // → { role: "ds_builder", via: "api-key", subject: "ci" }
 */
import jwt from "jsonwebtoken";
import type { ApiKeys } from "../api-keys.ts";

export const DS_ROLES = ["ds_reader", "ds_builder"] as const;
export type DsRole = (typeof DS_ROLES)[number];

export interface DsAuth {
  role: DsRole;
  via: "anonymous" | "api-key" | "jwt";
  /** The API key's label or the JWT's `sub`. */
  subject?: string;
}

/** A credential that was presented but is not valid (HTTP 401). */
export class AuthError extends Error {
  override name = "AuthError";
}

export type Authenticator = (authorization: string | undefined) => DsAuth;

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export function makeAuthenticator({ apiKeys, jwtSecret }: { apiKeys: ApiKeys; jwtSecret?: string }): Authenticator {
  return (authorization) => {
    if (authorization === undefined || authorization.trim() === "") return { role: "ds_reader", via: "anonymous" };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) throw new AuthError("the Authorization header must be: Bearer <API key or JWT>");
    const label = apiKeys.authenticate(authorization);
    if (label !== null) return { role: "ds_builder", via: "api-key", subject: label };
    const token = m[1]!;
    if (!JWT_SHAPE.test(token)) throw new AuthError("invalid API key");
    if (!jwtSecret) throw new AuthError("JWTs are not accepted: the server has no JWT_SECRET");
    let claims: jwt.JwtPayload | string;
    try {
      claims = jwt.verify(token, jwtSecret, { algorithms: ["HS256"] });
    } catch (err) {
      throw new AuthError(`invalid JWT: ${(err as Error).message}`);
    }
    const role = typeof claims === "object" ? claims.role : undefined;
    if (!DS_ROLES.includes(role)) throw new AuthError(`invalid JWT: its role claim must be ${DS_ROLES.join(" or ")}`);
    return { role, via: "jwt", subject: typeof claims === "object" ? claims.sub : undefined };
  };
}
