/**
 * Key filters of a REST query: every parameter that is not one of the route's own is a key
 * field of the dataset compared as text (`?ticker=MSFT`); any other name is a 422 in
 * FastAPI's shape (extra_forbidden). Used by the data route (data-route.ts, which also needs
 * the key for bars) and the SSE stream (stream-route.ts). An unknown dataset is left to the
 * route's own SQL (DS001).
 *
 * @example
 * await keyFilters(pool, "w-ticks", "0.1.0", new URLSearchParams("ticker=MSFT"), new Set()); // { filters: { ticker: "MSFT" }, key: [...] }
 */
import type pg from "pg";
import { HttpError } from "./http-error.ts";

export interface KeyFilters {
  filters: Record<string, string>;
  /** The dataset's key fields; empty when there are no filters and the key was not asked for. */
  key: string[];
}

export async function keyFilters(db: pg.Pool | pg.ClientBase, name: string, version: string, query: URLSearchParams, known: Set<string>,
  { needKey = false } = {}): Promise<KeyFilters> {
  const filters: Record<string, string> = {};
  for (const [k, v] of query) if (!known.has(k)) filters[k] = v;
  // the common read (no filter, no key wanted) costs no round trip for the key
  if (Object.keys(filters).length === 0 && !needKey) return { filters, key: [] };
  const { rows } = await db.query<{ key: string[] }>("select key from ds.datasets where name = $1 and version = $2", [name, version]);
  const key = rows[0]?.key ?? [];
  const stranger = Object.keys(filters).find((k) => !key.includes(k));
  if (stranger !== undefined && rows.length > 0) {
    throw new HttpError(422, `${stranger} is not a parameter nor a key field of ${name} ${version} (${key.length ? `its key: ${key.join(", ")}` : "it has no key"})`,
      { body: { detail: [{ type: "extra_forbidden", loc: ["query", stranger], msg: `Not a key field of ${name} ${version}`, input: filters[stranger]! }] } });
  }
  return { filters, key };
}
