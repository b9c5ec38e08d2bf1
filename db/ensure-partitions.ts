/**
 * Partitions for rows put into a typed table by hand: tests and benchmarks that fill
 * `ds_data.<table>` straight with INSERT or COPY. Every write path of datastream (chunks,
 * SQL builders, `ds.write`, `ds import`) creates the partitions its rows need itself, in its
 * transaction (docs/storage.md); a table has no partition for any other row, so an INSERT
 * outside those paths fails with "no partition of relation ... found for row" unless this
 * runs first.
 *
 * @example
 * await ensurePartitions(pool, "mock_ohlc_v0_1_0", "2024-01-01", "2024-12-31");
 */
import type pg from "pg";

/** Creates the partitions of the version whose table is `table` for [from, to] (both inclusive); returns how many it created. */
export async function ensurePartitions(db: pg.Pool | pg.ClientBase, table: string, from: Date | string, to: Date | string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select ds_private.ensure_partitions(v.id, tstzmultirange(tstzrange($2::timestamptz, $3::timestamptz, '[]'))) as n
     from ds_private.dataset_versions v where v.table_name = $1`, [table, from, to]);
  if (!rows[0]) throw new Error(`no dataset version has the table ds_data.${table}`);
  return rows[0].n;
}
