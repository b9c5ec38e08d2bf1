/**
 * The streams behind the subscription fields, from LISTEN/NOTIFY (one listening
 * connection, PostGraphile's PgSubscriber):
 *
 * - `buildProgress.subscribe(id)` yields the build id now and on every `ds_progress`
 *   event that concerns the build, and ends after the build's final state. A missed
 *   notification cannot hang it: the state is also checked every `pollMs`.
 * - `newRows.subscribe(JSON [dataset, version|null, filters|null])` yields `{dataset,
 *   version, rows, first, last, pushed}` of every chunk or write of that dataset (version)
 *   that commits (`ds_data`). `pushed()` reads, once per event and only when asked, the rows
 *   stored in [first, last] (ds_server.pushed_rows) whose key fields equal the filters, at most
 *   `maxPushRows`, with `truncated` when there were more. With filters the rows are read for
 *   every event, and an event without a matching row is skipped.
 */
import type pg from "pg";
import type { PgSubscriber } from "postgraphile/adaptors/pg";
import { SafeError, type GrafastSubscriber } from "postgraphile/grafast";

/** A pushed row: ts as ISO 8601 UTC text, data as the JSON text of its fields (exact numbers). */
export interface PushedRow {
  ts: string;
  data: string;
}

export interface PushedRows {
  rows: PushedRow[];
  /** More rows than maxPushRows are in [first, last]: read them with ds.data or GET /data. */
  truncated: boolean;
}

export interface NewRowsEvent {
  dataset: string;
  version: string;
  rows: number;
  first: string;
  last: string;
  /** The event's rows (read on first call, then kept). */
  pushed(): Promise<PushedRows>;
}

/** The rows of a dataset version in [first, last] (after first when `after`) matching filters, at most max. */
export async function readPushedRows(pool: pg.Pool, dataset: string, version: string, first: string, last: string | null,
  filters: Record<string, unknown> | null, max: number, after = false): Promise<PushedRows> {
  const { rows } = await pool.query<PushedRow>(
    `select p.ts, p.data::text as data
     from ds_server.pushed_rows($1, $2, $3::timestamptz + case when $7 then interval '1 microsecond' else interval '0' end,
                                coalesce($4::timestamptz, 'infinity'), $5::jsonb, $6 + 1) p`,
    [dataset, version, first, last, filters && JSON.stringify(filters), max, after]);
  return { rows: rows.slice(0, max), truncated: rows.length > max };
}

export interface NotifyStreams {
  buildProgress: GrafastSubscriber<Record<string, string>>;
  newRows: GrafastSubscriber<Record<string, NewRowsEvent>>;
  /** newRows until the signal aborts: the stream then ends at once, even while it waits for an event. */
  newRowsUntil(topic: string, signal: AbortSignal): AsyncGenerator<NewRowsEvent>;
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

/** A stream whose return() ends it at once (through the signal), even while it waits for its next event. */
function endsOnReturn<T>(open: (signal: AbortSignal) => AsyncGenerator<T>): AsyncIterableIterator<T> {
  const controller = new AbortController();
  const stream = open(controller.signal);
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next: () => stream.next(),
    return: (value?: unknown) => {
      controller.abort();
      return stream.return(value as T);
    },
    throw: (err?: unknown) => {
      controller.abort();
      return stream.throw(err);
    },
  };
}

export function createNotifyStreams(pool: pg.Pool, subscriber: PgSubscriber, { pollMs = 2000, maxPushRows = 1000 } = {}): NotifyStreams {
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

  /** DS029 unless every filter names a key field of the dataset (of some version when version is null). */
  async function checkKeyFilters(dataset: string, version: string | null, filters: Record<string, unknown>): Promise<void> {
    if (typeof filters !== "object" || Array.isArray(filters)) {
      throw new SafeError("keys must be a JSON object of key fields and values, like {\"ticker\": \"MSFT\"}", { code: "DS029" });
    }
    const { rows } = await pool.query<{ key: string[] }>("select key from ds.datasets where name = $1 and ($2::text is null or version = $2)", [dataset, version]);
    const keys = [...new Set(rows.flatMap((r) => r.key))];
    const stranger = Object.keys(filters).find((k) => !keys.includes(k));
    if (stranger !== undefined) {
      throw new SafeError(`${stranger} is not a key field of ${dataset}${version ? ` ${version}` : ""} (${keys.length ? `its key: ${keys.join(", ")}` : "it has no key"})`, {
        code: "DS029", hint: "Filter on key fields only; values are compared as text.",
      });
    }
  }

  async function* newRows(topic: string, signal?: AbortSignal): AsyncGenerator<NewRowsEvent> {
    const [dataset, version, given = null] = JSON.parse(topic) as [string, string | null, Record<string, unknown> | null];
    // key values are compared as text (jsonb ->>): {"seq": 5} matches seq 5
    const filters = given && Object.keys(given).length ? given : null;
    const events = subscriber.subscribe("ds_data");
    // an async generator's return() waits for its pending next(): ending the subscriber's iterator ends the wait
    const stop = () => void events.return?.(undefined);
    signal?.addEventListener("abort", stop, { once: true });
    try {
      if (signal?.aborted) return;
      const known = await pool.query("select 1 from ds.datasets where name = $1 and ($2::text is null or version = $2)", [dataset, version]);
      if (known.rowCount === 0) {
        throw new SafeError(`unknown dataset ${dataset}${version ? ` version ${version}` : ""}`, {
          code: "DS001",
          hint: "The datasets query lists the registered dataset versions.",
        });
      }
      if (filters) await checkKeyFilters(dataset, version, filters);
      for await (const payload of events) {
        const e = parse(payload);
        // a write that changed nothing (identical rows) has no range: nothing to push
        if (!e || e.deleted !== undefined || e.first == null || e.dataset !== dataset || (version && e.version !== version)) continue;
        const event = { dataset, version: String(e.version), rows: Number(e.rows), first: String(e.first), last: String(e.last) };
        let read: Promise<PushedRows> | undefined;
        const pushed = () => (read ??= readPushedRows(pool, dataset, event.version, event.first, event.last, filters, maxPushRows));
        if (filters && (await pushed()).rows.length === 0) continue;
        yield { ...event, pushed };
      }
    } finally {
      signal?.removeEventListener("abort", stop);
      await events.return?.(undefined);
    }
  }

  return {
    buildProgress: { subscribe: (id) => buildProgress(String(id)) },
    newRows: { subscribe: (topic) => endsOnReturn((signal) => newRows(String(topic), signal)) },
    newRowsUntil: newRows,
  };
}
