/**
 * The API keys a server accepts: those of API_KEYS and those stored in the database
 * (`ds api-key create`), kept in memory so that checking a key costs no round trip. The
 * stored ones are re-read on NOTIFY ds_api_keys (sent by ds.create_api_key and
 * ds.revoke_api_key), so a new or revoked key counts at once; where the database cannot
 * LISTEN (a standby, a transaction pooler) they are re-read every 5 seconds instead, and
 * every minute anyway (a notification lost while the connection was down).
 */
import type pg from "pg";
import createSubscriber from "pg-listen";
import { apiKeysOf, type ApiKeys } from "./api-keys.ts";

export interface LiveApiKeys extends ApiKeys {
  /** Re-reads the stored keys now. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

export interface LiveApiKeysOptions {
  /** The database URL, for the LISTEN connection. */
  url: string;
  /** False on a standby or through a transaction pooler: poll instead. */
  listen: boolean;
}

export async function liveApiKeys(pool: pg.Pool, fromEnv: ApiKeys, { url, listen }: LiveApiKeysOptions): Promise<LiveApiKeys> {
  let stored = apiKeysOf([]);
  const refresh = async () => {
    const { rows } = await pool.query<{ label: string; key_hash: string }>("select label, key_hash from ds_server.active_api_keys()");
    stored = apiKeysOf(rows.map((r) => ({ label: r.label, hash: Buffer.from(r.key_hash, "hex") })));
  };
  await refresh();
  const quietly = () => void refresh().catch(() => {}); // a database outage keeps the last keys
  const subscriber = listen ? createSubscriber.default({ connectionString: url }) : undefined;
  if (subscriber) {
    subscriber.events.on("error", () => {});
    subscriber.events.on("reconnect", quietly);
    subscriber.notifications.on("ds_api_keys", quietly);
    await subscriber.connect();
    await subscriber.listenTo("ds_api_keys");
  }
  const timer = setInterval(quietly, listen ? 60_000 : 5_000);
  timer.unref();
  return {
    get configured() {
      return fromEnv.configured || stored.configured;
    },
    authenticate(authorization) {
      return fromEnv.authenticate(authorization) ?? stored.authenticate(authorization);
    },
    refresh,
    async close() {
      clearInterval(timer);
      await subscriber?.close().catch(() => {});
    },
  };
}
