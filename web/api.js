// Talking to the server: GraphQL over HTTP (reads run anonymously, as ds_reader), GraphQL
// mutations and REST calls with the API key kept in this browser, subscriptions over
// WebSocket with graphql-ws (the UMD build sets window.graphqlWs).

const KEY = "datastream.apiKey";

export function apiKey() {
  return localStorage.getItem(KEY) || "";
}
export function setApiKey(key) {
  if (key) localStorage.setItem(KEY, key);
  else localStorage.removeItem(KEY);
}

/** An error of the server: its message, SQLSTATE (DSnnn) and HTTP status when known. */
export class ApiError extends Error {
  constructor(message, { code, status, hint } = {}) {
    super(message);
    this.code = code;
    this.status = status;
    this.hint = hint;
  }
}

/** A GraphQL operation; `withKey` sends the API key (mutations), else it runs as ds_reader. */
export async function gql(query, variables = {}, { withKey = false, key = apiKey() } = {}) {
  const headers = { "content-type": "application/json" };
  if (withKey && key) headers.authorization = `Bearer ${key}`;
  const res = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) throw new ApiError(`wrong API key: ${body.errors?.[0]?.message ?? "unauthorized"}`, { status: 401, code: "UNAUTHENTICATED" });
  if (body.errors?.length) {
    const e = body.errors[0];
    throw new ApiError(e.message, { code: e.extensions?.code, hint: e.extensions?.hint, status: res.status });
  }
  return body.data;
}

/** A REST call under /api/v1 with the key; JSON answers parsed. */
export async function rest(path, { method = "GET", key = apiKey() } = {}) {
  const headers = key ? { authorization: `Bearer ${key}` } : {};
  const res = await fetch(`/api/v1${path}`, { method, headers });
  const type = res.headers.get("content-type") || "";
  const body = type.includes("json") ? await res.json() : await res.blob();
  if (!res.ok && res.status !== 206) {
    const detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail ?? body);
    const text = res.status === 401 ? `${key ? "wrong API key" : "an API key is needed"}: ${detail}` : detail;
    throw new ApiError(text, { status: res.status, code: body.code, hint: body.hint });
  }
  return body;
}

let wsClient = null;
let wsKey = null;
/** Subscribes to a GraphQL subscription; returns a function that unsubscribes. */
export function subscribe(query, variables, { next, error, complete }) {
  const key = apiKey();
  if (!wsClient || wsKey !== key) {
    wsClient?.dispose();
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
    wsClient = window.graphqlWs.createClient({ url, connectionParams: key ? { authorization: `Bearer ${key}` } : {}, lazy: true });
    wsKey = key;
  }
  return wsClient.subscribe({ query, variables }, {
    next: (r) => (r.errors?.length ? error(new ApiError(r.errors[0].message, { code: r.errors[0].extensions?.code })) : next(r.data)),
    error: (e) => error(Array.isArray(e) ? new ApiError(e[0].message) : e instanceof Error ? e : new ApiError("the subscription closed")),
    complete,
  });
}

/** The web UI's catalog (GET /api/v1/catalog, open): every version, or the one named. */
export async function catalog(name, version) {
  const query = name ? `?name=${encodeURIComponent(name)}&version=${encodeURIComponent(version)}` : "";
  const res = await fetch(`/api/v1/catalog${query}`);
  if (!res.ok) throw new ApiError(`catalog: HTTP ${res.status}`, { status: res.status });
  return (await res.json()).datasets;
}
