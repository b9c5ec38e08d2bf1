/**
 * Migration 000014 on a database made before it (issue 12, item 5): a keyless table with
 * primary key (ts) and one row per timestamp gains row_number (1 for every existing row)
 * and the primary key (ts, row_number); its view shows the column; keyed tables are left
 * as they were; afterwards the dataset takes several rows per timestamp.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../db/migrate.ts";
import { useTestDatabase } from "./support/test-database.ts";

const db = useTestDatabase("keyless-migration");
const q = async <T = Record<string, unknown>>(sql: string, params?: unknown[]) => (await db.pool.query(sql, params)).rows as T[];
const primaryKey = async (table: string) =>
  (await q<{ columns: string[] }>(
    `select array(select a.attname::text from unnest(i.indkey) with ordinality k(n, o) join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.n order by k.o) as columns
     from pg_index i where i.indrelid = $1::regclass and i.indisprimary`, [table]))[0]?.columns;
const columns = async (relation: string) =>
  (await q<{ c: string }>("select column_name as c from information_schema.columns where table_schema = 'ds_data' and table_name = $1 order by ordinal_position", [relation]))
    .map((r) => r.c);

const base = { version: "0.1.0", calendar: "everyday", granularity: "1d", start_date: "2024-01-01", write: { conflict: "last-write-wins" } };

beforeAll(async () => {
  await q("select ds.register_dataset($1::jsonb)", [JSON.stringify({ ...base, name: "old-notes", schema: [{ name: "note", type: "str" }] })]);
  await q("select ds.register_dataset($1::jsonb)", [JSON.stringify({ ...base, name: "old-keyed", key: ["k"], schema: [{ name: "k", type: "str" }, { name: "v", type: "float" }] })]);
  // the tables as a database before 000014 had them: in ds_data (no store, view or packed
  // table: migration 000032), keyless with primary key (ts); sql/ is applied again after the
  // migration, as it is after every upgrade, and moves the table to its store
  await q(`select ds_private.ensure_partitions(v.id, '{[2024-01-01, 2024-01-04)}') from ds_private.dataset_versions v where v.name = 'old-notes';
    insert into ds_store.old_notes_v0_1_0 (ts, note) values ('2024-01-02', 'a'), ('2024-01-03', 'b');
    drop view ds_data.old_notes;
    drop function ds_data.old_notes_v0_1_0_rows(timestamptz, timestamptz);
    drop view ds_data.old_notes_v0_1_0;
    drop table ds_packed.old_notes_v0_1_0;
    alter table ds_store.old_notes_v0_1_0 set schema ds_data;
    alter table ds_data.old_notes_v0_1_0 drop column row_number;
    alter table ds_data.old_notes_v0_1_0 add constraint old_notes_v0_1_0_pkey primary key (ts);
    create view ds_data.old_notes as select * from ds_data.old_notes_v0_1_0;
    delete from ds_private.migrations where name = '000014_keyless_row_number.sql';
    delete from ds_private.settings where name = 'sql_hash';
    delete from ds_private.sql_history`);
  expect(await primaryKey("ds_data.old_notes_v0_1_0")).toEqual(["ts"]);
  const result = await migrate(db.pool);
  expect(result.applied).toEqual(["000014_keyless_row_number.sql"]);
});

describe("migration 000014 (keyless tables in place)", () => {
  it("gives existing rows row_number 1 and the primary key (ts, row_number)", async () => {
    expect(await primaryKey("ds_store.old_notes_v0_1_0")).toEqual(["ts", "row_number"]);
    expect(await q("select ts, note, row_number from ds_data.old_notes_v0_1_0 order by ts")).toEqual([
      { ts: new Date("2024-01-02T00:00:00Z"), note: "a", row_number: 1 },
      { ts: new Date("2024-01-03T00:00:00Z"), note: "b", row_number: 1 },
    ]);
    expect(await columns("old_notes")).toEqual(["ts", "note", "row_number"]);
    const [comment] = await q<{ c: string }>("select col_description(a.attrelid, a.attnum) as c from pg_attribute a where a.attrelid = 'ds_store.old_notes_v0_1_0'::regclass and a.attname = 'row_number'");
    expect(comment!.c).toMatch(/implicit key of a dataset without key/);
  });

  it("leaves a keyed table as it was", async () => {
    expect(await primaryKey("ds_store.old_keyed_v0_1_0")).toEqual(["ts", "k"]);
    expect(await columns("old_keyed_v0_1_0")).toEqual(["ts", "k", "v"]);
  });

  it("the migrated dataset takes several rows per timestamp and reads them in order", async () => {
    await q("select ds.write('old-notes', '0.1.0', $1::jsonb)", [JSON.stringify([{ ts: "2024-01-03", note: "c" }, { ts: "2024-01-03", note: "d" }])]);
    const rows = await q<{ ts: Date; data: unknown }>("select ts, data from ds.data('old-notes', '0.1.0', '2024-01-01', '2024-01-05')");
    expect(rows.map((r) => [r.ts.toISOString().slice(0, 10), r.data])).toEqual([
      ["2024-01-02", { note: "a" }], ["2024-01-03", { note: "c" }], ["2024-01-03", { note: "d" }],
    ]);
  });
});
