/**
 * A source's credentials, only from the worker's environment: DS_SOURCE_<ID>_API_KEY,
 * DS_SOURCE_<ID>_SECRET and DS_SOURCE_<ID>_PASSWORD, where ID is the exchange in upper
 * case for ccxt (DS_SOURCE_BINANCE_API_KEY) and the source's `credentials` name for http.
 * Never read from config files, never written anywhere: `redact` removes them from any
 * text (an error message, a response body) before it is stored or logged.
 *
 * @example
 * const creds = sourceCredentials("BINANCE");  // { apiKey: "...", secret: "..." } or {}
 * redact(`GET ...?key=${creds.apiKey}`, creds); // "GET ...?key=[redacted]"
 */
export interface Credentials {
  apiKey?: string;
  secret?: string;
  password?: string;
}

export function sourceCredentials(id: string, env: NodeJS.ProcessEnv = process.env): Credentials {
  const prefix = `DS_SOURCE_${id.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_`;
  const creds: Credentials = {};
  if (env[prefix + "API_KEY"]) creds.apiKey = env[prefix + "API_KEY"];
  if (env[prefix + "SECRET"]) creds.secret = env[prefix + "SECRET"];
  if (env[prefix + "PASSWORD"]) creds.password = env[prefix + "PASSWORD"];
  return creds;
}

/** `text` with every credential value (and its URL-encoded form) replaced by [redacted]. */
export function redact(text: string, creds: Credentials): string {
  let out = text;
  for (const value of [creds.apiKey, creds.secret, creds.password]) {
    if (!value) continue;
    for (const form of new Set([value, encodeURIComponent(value)])) out = out.split(form).join("[redacted]");
  }
  return out;
}
