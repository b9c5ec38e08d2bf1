/**
 * Checking a database URL before anything uses it, and turning a failed connection into
 * one DS039 line that says what went wrong and what to fix: a URL that does not parse, a
 * server that refuses or does not answer, an unknown host, a wrong password, a missing
 * database. The password never appears in a message.
 *
 * @example
 * await checkConnection("postgres://postgres@127.0.0.1:1/x");
 * // DsError DS039: cannot connect to postgres://postgres@127.0.0.1:1/x: connection refused
 */
import pg from "pg";
import { DsError } from "./errors.ts";

const HINT = "Fix --database-url (or $DATABASE_URL): postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE.";

/** The URL with its password replaced by "***" (or the text as given when it is no URL). */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ":***@");
  }
}

/** DS039 unless `url` is a postgres:// or postgresql:// URL with a host. */
export function checkDatabaseUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DsError("DS039", `database URL "${redactedUrl(url)}" is not a URL`, { hint: HINT });
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") {
    throw new DsError("DS039", `database URL "${redactedUrl(url)}" does not start with postgres://`, { hint: HINT });
  }
  if (!u.hostname && !u.searchParams.get("host")) {
    throw new DsError("DS039", `database URL "${redactedUrl(url)}" names no host`, { hint: HINT });
  }
}

interface ConnectFailure {
  code?: string;
  message?: string;
}

/** A failed connection as DS039, with a hint for its cause; other errors are returned as they are. */
export function connectionError(url: string, err: unknown): unknown {
  if (err instanceof DsError) return err;
  const e = (err ?? {}) as ConnectFailure;
  const u = new URL(url);
  const where = `${u.hostname || u.searchParams.get("host")}:${u.port || 5432}`;
  const database = decodeURIComponent(u.pathname.slice(1)) || u.username || "postgres";
  const causes: Record<string, [string, string]> = {
    ECONNREFUSED: ["connection refused", `Is PostgreSQL running and listening on ${where}? Start it, or fix the host and port of the URL.`],
    ENOTFOUND: ["unknown host", `The host ${u.hostname} does not resolve: fix the URL's host.`],
    EAI_AGAIN: ["unknown host", `The host ${u.hostname} does not resolve: fix the URL's host.`],
    ETIMEDOUT: ["no answer", `Nothing answered on ${where}: check the host, the port and the firewall.`],
    EHOSTUNREACH: ["host unreachable", `Nothing answered on ${where}: check the host and the network.`],
    "28P01": ["password authentication failed", "Check the user and password in the URL (and pg_hba.conf)."],
    "28000": ["authentication refused", "The server refuses this user from this host: check the URL's user and the server's pg_hba.conf."],
    "3D000": [`database "${database}" does not exist`, `Create it (createdb ${database}) or fix the URL's database name.`],
    "57P03": ["the server is starting up or shutting down", "Wait until PostgreSQL has started, then retry."],
    "53300": ["too many connections", "The server has no connection slot left: raise max_connections or stop idle clients."],
  };
  const known = e.code ? causes[e.code] : undefined;
  const timeout = /timeout/i.test(e.message ?? "") ? causes.ETIMEDOUT : undefined;
  const [what, hint] = known ?? timeout ?? [e.message || String(err), HINT];
  return new DsError("DS039", `cannot connect to ${redactedUrl(url)}: ${what}`, { hint, cause: err });
}

/** Connects once to prove the URL works (DS039 otherwise), and returns the open client. */
export async function connectChecked(url: string, timeoutMs = 10_000): Promise<pg.Client> {
  checkDatabaseUrl(url);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw connectionError(url, err);
  }
  return client;
}
