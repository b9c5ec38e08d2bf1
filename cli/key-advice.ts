/** The start banner's line about API keys when there is none yet (`ds up`, `ds serve`). */
import type pg from "pg";

export async function keyAdvice(pool: pg.Pool): Promise<string> {
  if (process.env.API_KEYS?.trim()) return "";
  const { rows } = await pool.query<{ n: number }>("select count(*)::integer as n from ds_server.active_api_keys()");
  return rows[0]!.n > 0 ? "" : "\n            no API key yet: REST answers 401 and GraphQL only reads until you run  ds api-key create NAME";
}
