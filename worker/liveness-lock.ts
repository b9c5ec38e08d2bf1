/**
 * A worker's liveness: a session advisory lock held on a connection of its own
 * (ds_worker.register_worker). Other workers recover the chunks of a worker whose lock is free.
 * When the connection drops (a database restart, a network cut) the lock is reconnected
 * with backoff under the same worker id, so a live worker shows as live again.
 */
import { hostname } from "node:os";
import pg from "pg";
import { backoffMs, sleep, type OutageLog } from "./outage-log.ts";

export class LivenessLock {
  readonly #url: string;
  readonly #workerId: string;
  readonly #outage: OutageLog;
  #client: pg.Client | null = null;
  #stopped = false;
  #reconnecting: Promise<void> | null = null;

  constructor(connectionString: string, workerId: string, outage: OutageLog) {
    this.#url = connectionString;
    this.#workerId = workerId;
    this.#outage = outage;
  }

  /** Takes the lock; throws when the database cannot be reached at all (first start). */
  async start(): Promise<void> {
    await this.#connect();
  }

  get connected(): boolean {
    return this.#client !== null;
  }

  /**
   * Registers again on the same connection: another worker recovered this one while its
   * connection was down and removed its row. The old lock is let go first.
   */
  async reregister(): Promise<void> {
    const c = this.#client;
    if (!c) return;
    await c.query("select pg_advisory_unlock_all()");
    await c.query("select ds_worker.register_worker($1, $2, $3)", [this.#workerId, hostname(), process.pid]);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const c = this.#client;
    this.#client = null;
    await c?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    const client = new pg.Client(this.#url);
    const lost = (err?: unknown) => {
      if (this.#client !== client) return;
      this.#client = null;
      client.end().catch(() => {});
      if (this.#stopped) return;
      this.#outage.down(err ?? new Error("liveness connection closed"));
      this.#reconnecting ??= this.#reconnect().finally(() => (this.#reconnecting = null));
    };
    client.on("error", lost);
    client.on("end", () => lost());
    try {
      await client.connect();
      await client.query("select ds_worker.register_worker($1, $2, $3)", [this.#workerId, hostname(), process.pid]);
    } catch (err) {
      client.end().catch(() => {});
      throw err;
    }
    this.#client = client;
  }

  async #reconnect(): Promise<void> {
    for (let attempt = 0; !this.#stopped; attempt++) {
      await sleep(backoffMs(attempt));
      if (this.#stopped) return;
      try {
        await this.#connect();
        return;
      } catch (err) {
        this.#outage.down(err);
      }
    }
  }
}
