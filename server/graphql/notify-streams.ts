/**
 * The streams behind the subscription fields, from LISTEN/NOTIFY (one listening
 * connection, PostGraphile's PgSubscriber):
 *
 * - `buildProgress.subscribe(id)` yields the build id now and on every `ds_progress`
 *   event that concerns the build, and ends after the build's final state. A missed
 *   notification cannot hang it: the state is also checked every `pollMs`.
 * - `newRows.subscribe(JSON [dataset, version|null])` yields `{dataset, version, rows,
 *   first, last}` of every chunk of that dataset (version) that commits (`ds_data`).
 */
import type pg from "pg";
import type { PgSubscriber } from "postgraphile/adaptors/pg";
import { SafeError, type GrafastSubscriber } from "postgraphile/grafast";

export interface NewRowsEvent {
  dataset: string;
  version: string;
  rows: number;
  first: string;
  last: string;
}

export interface NotifyStreams {
  buildProgress: GrafastSubscriber<Record<string, string>>;
  newRows: GrafastSubscriber<Record<string, NewRowsEvent>>;
}

const FINAL_STATES = new Set(["succeeded", "failed", "cancelled"]);

function parse(payload: string): Record<string, unknown> | null {
  try {
    return JSON.parse(payload) as Record<string, unknown>;
  } catch {
    return null;
  }
}

export function concernsBuild(event: Record<string, unknown> | null, id: string): boolean {
  if (!event) return false;
  if (event.build != null && String(event.build) === id) return true;
  return Array.isArray(event.builds) && event.builds.some((b) => String(b) === id);
}

export function createNotifyStreams(pool: pg.Pool, subscriber: PgSubscriber, { pollMs = 2000 } = {}): NotifyStreams {
  const stateOf = async (id: string): Promise<string | null> =>
    (await pool.query<{ state: string }>("select state from ds.builds where id = $1", [id])).rows[0]?.state ?? null;

  async function* buildProgress(id: string): AsyncGenerator<string> {
    const events = subscriber.subscribe("ds_progress");
    try {
      if (!/^\d{1,19}$/.test(id)) throw new SafeError(`unknown build ${id}`, { code: "DS015" });
      let state = await stateOf(id);
      if (state === null) {
        throw new SafeError(`unknown build ${id}`, { code: "DS015", hint: "The builds query lists the builds." });
      }
      yield id;
      let pending = events.next();
      while (!FINAL_STATES.has(state!)) {
        let timer: NodeJS.Timeout | undefined;
        const tick = new Promise<"tick">((resolve) => (timer = setTimeout(() => resolve("tick"), pollMs)));
        const next = await Promise.race([pending, tick]);
        clearTimeout(timer);
        if (next !== "tick") {
          if (next.done) return;
          pending = events.next();
          if (!concernsBuild(parse(next.value), id)) continue;
        }
        const now = await stateOf(id);
        if (next === "tick" && now === state) continue;
        state = now;
        yield id;
      }
    } finally {
      await events.return?.(undefined);
    }
  }

  async function* newRows(topic: string): AsyncGenerator<NewRowsEvent> {
    const [dataset, version] = JSON.parse(topic) as [string, string | null];
    const events = subscriber.subscribe("ds_data");
    try {
      const known = await pool.query("select 1 from ds.datasets where name = $1 and ($2::text is null or version = $2)", [dataset, version]);
      if (known.rowCount === 0) {
        throw new SafeError(`unknown dataset ${dataset}${version ? ` version ${version}` : ""}`, {
          code: "DS001",
          hint: "The datasets query lists the registered dataset versions.",
        });
      }
      for await (const payload of events) {
        const e = parse(payload);
        if (!e || e.deleted !== undefined || e.dataset !== dataset || (version && e.version !== version)) continue;
        yield { dataset, version: String(e.version), rows: Number(e.rows), first: String(e.first), last: String(e.last) };
      }
    } finally {
      await events.return?.(undefined);
    }
  }

  return {
    buildProgress: { subscribe: (id) => buildProgress(String(id)) },
    newRows: { subscribe: (topic) => newRows(String(topic)) },
  };
}
