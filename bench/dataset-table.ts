/**
 * A bench dataset version's typed table and its reset between runs: the table truncated
 * and the version's coverage emptied (in the throwaway bench database only), so the next
 * ds.build recomputes every point into an empty table, like the first one.
 */
import type pg from "pg";

export interface DatasetVersion {
  id: number;
  name: string;
  version: string;
  table: string;
  chunk: number;
  stepMs: number;
}

export async function findVersion(pool: pg.Pool, name: string, version = "0.1.0"): Promise<DatasetVersion> {
  const { rows } = await pool.query(
    `select id, name, version, table_name as table, chunk, extract(epoch from step) * 1000 as step_ms
     from ds_private.dataset_versions where name = $1 and version = $2`,
    [name, version],
  );
  if (!rows[0]) throw new Error(`bench dataset ${name} ${version} is not registered`);
  const r = rows[0] as { id: number; name: string; version: string; table: string; chunk: number; step_ms: string | number };
  return { id: r.id, name: r.name, version: r.version, table: r.table, chunk: r.chunk, stepMs: Number(r.step_ms) };
}

/** Empty the table and the coverage; a checkpoint so that no run pays for the previous one's WAL. */
export async function resetVersion(pool: pg.Pool, v: DatasetVersion): Promise<void> {
  await pool.query(`truncate ds_store."${v.table}"`);
  await pool.query("update ds_private.dataset_versions set coverage = '{}' where id = $1", [v.id]);
  await pool.query("checkpoint");
}

/** Set the points per job of a version (a private column: bench database only). */
export async function setChunk(pool: pg.Pool, v: DatasetVersion, chunk: number): Promise<void> {
  await pool.query("update ds_private.dataset_versions set chunk = $2 where id = $1", [v.id, chunk]);
  v.chunk = chunk;
}

export async function rowCount(pool: pg.Pool, v: DatasetVersion): Promise<number> {
  const { rows } = await pool.query(`select count(*)::int as n from ds_data."${v.table}"`);
  return rows[0].n as number;
}
