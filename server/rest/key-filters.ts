/**
 * Key filters of a REST query: every parameter that is not one of the route's own is a key
 * field of the dataset compared as text (`?ticker=MSFT`); any other name is a 422 in
 * FastAPI's shape (extra_forbidden). Used by the SSE stream (stream-route.ts); the data
 * route has the same rule in data-route.ts.
 *
 * @example
 * await keyFilters(pool, "w-ticks", "0.1.0", new URLSearchParams("ticker=MSFT"), new Set()); // { ticker: "MSFT" }
 */
import type pg from "pg";
import { HttpError } from "./http-error.ts";

export async function keyFilters(db: pg.Pool | pg.ClientBase, name: string, version: string, query: URLSearchParams, known: Set<string>): Promise<Record<string, string>> {
  const filters: Record<string, string> = {};
  for (const [k, v] of query) if (!known.has(k)) filters[k] = v;
  if (Object.keys(filters).length === 0) return filters;
  const { rows } = await db.query<{ key: string[] }>("select key from ds.datasets where name = $1 and version = $2", [name, version]);
  const key = rows[0]?.key ?? [];
  const stranger = Object.keys(filters).find((k) => !key.includes(k));
  if (stranger !== undefined) {
    throw new HttpError(422, `${stranger} is not a parameter nor a key field of ${name} ${version} (${key.length ? `its key: ${key.join(", ")}` : "it has no key"})`,
      { body: { detail: [{ type: "extra_forbidden", loc: ["query", stranger], msg: `Not a key field of ${name} ${version}`, input: filters[stranger]! }] } });
  }
  return filters;
}
