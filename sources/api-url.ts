/**
 * The api-url override of a source: it replaces the scheme, host and port of every URL the
 * source calls and keeps their paths, so one local server answers for all of an exchange's
 * endpoints (Binance's api.binance.com/api/v3 and fapi.binance.com/fapi/v1 become
 * http://127.0.0.1:PORT/api/v3 and .../fapi/v1). `api-url-env` names an environment variable
 * of the worker holding it (the examples in builders/ use DS_EXAMPLE_EXCHANGE_URL); when that
 * variable is unset the chunk fails (DS061) rather than calling the real exchange.
 */
import { DsError } from "../db/errors.ts";

export interface ApiUrlSettings {
  api_url?: string;
  api_url_env?: string;
}

/** The origin to use (no trailing slash), or null for the source's own URLs. */
export function resolveApiUrl(source: ApiUrlSettings, where: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (source.api_url_env) {
    const value = env[source.api_url_env];
    if (!value || !/^https?:\/\/[^/\s?#]+\/?$/.test(value)) {
      throw new DsError("DS061", `${where}: the environment variable ${source.api_url_env} (api-url-env) is ${value ? `not an http(s) origin: ${JSON.stringify(value)}` : "not set"}`, {
        detail: "a source with api-url-env never calls its default URLs",
        hint: `Set ${source.api_url_env}=http://host:port in the worker's environment (the README's "Sources" says how the examples do it).`,
      });
    }
    return value.replace(/\/$/, "");
  }
  return source.api_url ? source.api_url.replace(/\/$/, "") : null;
}

/** `url` with its origin replaced by `origin`. */
export function withOrigin(url: string, origin: string): string {
  return url.replace(/^https?:\/\/[^/?#]+/, origin);
}

/** Every URL string in a tree of objects (ccxt's `urls.api`) with its origin replaced. */
export function withOrigins<T>(tree: T, origin: string): T {
  if (typeof tree === "string") return withOrigin(tree, origin) as T;
  if (tree === null || typeof tree !== "object") return tree;
  return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, withOrigins(v, origin)])) as T;
}
