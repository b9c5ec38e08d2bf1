/**
 * What is at the other end of a database URL, found out once at start:
 *
 * - `inRecovery`: a hot standby (`pg_is_in_recovery()`): reads only, no LISTEN, no writes.
 * - `pooled`: a transaction (or statement) pooler such as PgBouncer in `pool_mode =
 *   transaction`: one client connection does not keep one server session, so session
 *   state (advisory locks, LISTEN, named prepared statements, SET) is not ours to keep.
 *
 * The pooler test needs no access to the pooler's admin console: client A asks for its
 * backend's pid, client B opens a transaction and asks for its own, then A asks again while
 * B's transaction holds a server. Directly on PostgreSQL A always sees the same pid and B
 * another; behind a transaction pooler B is handed the server A just released (PgBouncer
 * reuses the most recent one), or A is moved to another server: either proves that client
 * connections share server sessions. A session pooler passes as a direct connection, and
 * rightly so: it keeps sessions.
 */
import type pg from "pg";
import { DsError } from "./errors.ts";
import { connectChecked, redactedUrl } from "./database-url.ts";

export interface ConnectionKind {
  inRecovery: boolean;
  pooled: boolean;
}

const pid = async (client: pg.Client) => (await client.query<{ pid: number }>("select pg_catalog.pg_backend_pid() as pid")).rows[0]!.pid;

/** Connects twice to `url` (DS039 when it cannot) and tells a standby and a pooler apart. */
export async function inspectConnection(url: string): Promise<ConnectionKind> {
  const a = await connectChecked(url);
  let b: pg.Client | undefined;
  try {
    const { rows } = await a.query<{ pid: number; recovery: boolean }>(
      "select pg_catalog.pg_backend_pid() as pid, pg_catalog.pg_is_in_recovery() as recovery");
    const first = rows[0]!;
    b = await connectChecked(url);
    try {
      await b.query("begin");
    } catch {
      return { inRecovery: first.recovery, pooled: true }; // a statement pooler refuses transactions
    }
    const other = await pid(b);
    const again = other === first.pid ? first.pid : await pid(a);
    await b.query("commit");
    return { inRecovery: first.recovery, pooled: other === first.pid || again !== first.pid };
  } finally {
    await b?.end().catch(() => {});
    await a.end().catch(() => {});
  }
}

/** DS036 when the database is a standby: `what` (migrations, a worker) writes. */
export function refuseStandby(url: string, kind: ConnectionKind, what: string): void {
  if (!kind.inRecovery) return;
  throw new DsError("DS036", `${what} needs the primary: ${redactedUrl(url)} is a read-only standby`, {
    detail: "pg_is_in_recovery() is true: the server replays the primary's WAL and accepts reads only.",
    hint: "Point --database-url (or $DATABASE_URL) at the primary; keep the standby for ds serve, ds data, psql and BI tools.",
  });
}

/** DS037 when the URL leads to a transaction pooler: `what` needs a session of its own. */
export function refusePooler(url: string, kind: ConnectionKind, what: string): void {
  if (!kind.pooled) return;
  throw new DsError("DS037", `${what} needs a database session, but ${redactedUrl(url)} is a transaction pooler`, {
    detail: "Client connections there share server sessions: advisory locks, LISTEN and prepared statements would land on other clients' sessions.",
    hint: "Connect workers, ds up, ds migrate and ds sync straight to PostgreSQL (or through a pool in session mode); ds serve and readers may use the pooler.",
  });
}
