/**
 * The SQL stays Citus-compatible where it costs nothing (docs/scale-out.md): every unique
 * index of a typed table holds the time column (the partition column) and, for a dataset
 * with a key, its first key column (the distribution column the docs name); typed tables
 * have no foreign keys, sequences or identity columns that a distributed table could not keep.
 * Checked on every fixture and example dataset.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../db/project-root.ts";
import { syncDatasets } from "../datasets/sync.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

describe("typed tables are ready for time partitions and Citus distribution", () => {
  const db = useWorkerDatabase("citus-compat", { worker: false });
  beforeAll(() => syncDatasets(db.pool, join(projectRoot(), "builders")));

  it("every unique index holds ts and the first key column (row_number without key)", async () => {
    const rows = await db.q<{ table_name: string; index: string; columns: string[]; distribution: string }>(`
      select v.table_name, i.indexrelid::regclass::text as index,
             array(select a.attname::text from unnest(i.indkey) k join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k) as columns,
             coalesce(v.key[1], 'row_number') as distribution
      from ds_private.dataset_versions v
      join pg_index i on i.indrelid = format('ds_store.%I', v.table_name)::regclass and i.indisunique
      order by 1, 2`);
    const versions = await db.one<{ n: number }>("select count(*)::int as n from ds_private.dataset_versions");
    expect(new Set(rows.map((r) => r.table_name)).size).toBe(versions.n);
    expect(rows.filter((r) => !r.columns.includes("ts") || !r.columns.includes(r.distribution))).toEqual([]);
  });

  it("typed tables have no foreign keys, sequences or identity columns", async () => {
    const offending = await db.q(`
      select c.relname, 'foreign key' as what from pg_constraint k join pg_class c on c.oid = k.conrelid
      where c.relnamespace in ('ds_store'::regnamespace, 'ds_packed'::regnamespace) and k.contype = 'f'
      union all
      select c.relname, a.attname from pg_attribute a join pg_class c on c.oid = a.attrelid
      where c.relnamespace in ('ds_store'::regnamespace, 'ds_packed'::regnamespace) and c.relkind in ('r', 'p') and a.attnum > 0
        and (a.attidentity <> '' or pg_get_serial_sequence(format('%I.%I', c.relnamespace::regnamespace, c.relname), a.attname) is not null)`);
    expect(offending).toEqual([]);
  });
});
