-- Converting in place the typed tables made before time partitions (migration 000024) and
-- before packed partitions (000032). A plain table (before 000024) moves aside (to
-- ds_partitions), the version's store, packed table, view and typed read take its place
-- (create_version_table), its rows are copied into the partitions they need, and the
-- dataset's view is re-created. A partitioned table in ds_data (000024 to 000032) moves to
-- ds_store with its partitions, and gets its packed table, view and typed read. Grants
-- follow from sql/grants/ (applied after this file). Run by the idempotent step at the end
-- of this file, each time the migrator re-applies sql/; it sorts after version_layout.sql
-- and version_reads.sql, whose functions it uses.

create or replace function ds_private.convert_version_table(version_id integer) returns bigint
language plpgsql volatile as $$
declare
  v ds_private.dataset_versions := (select r from ds_private.dataset_versions r where r.id = convert_version_table.version_id);
  v_view text := (select d.view_name from ds_private.datasets d where d.id = v.dataset_id);
  v_old text := format('v%s_unpartitioned', v.id);
  v_columns text;
  v_ranges tstzmultirange;
  v_rows bigint;
begin
  if v.partition_interval is null then
    update ds_private.dataset_versions x set partition_interval = ds_private.default_partition_interval(x.step)
    where x.id = v.id returning x.* into v;
  end if;
  -- what depends on the table's row type or relation: the dataset's view (re-created below
  -- on the newest version) and the typed read (re-created by create_version_table)
  execute format('drop view if exists ds_data.%I', v_view);
  execute format('drop function if exists ds_data.%I(timestamptz, timestamptz)', ds_private.version_read_name(v.table_name));
  -- aside, with its primary key index, so that the names are free in ds_data
  execute format('alter table ds_data.%I set schema ds_partitions', v.table_name);
  execute format('alter table ds_partitions.%I rename to %I', v.table_name, v_old);
  perform ds_private.create_version_table(v.id);
  execute format('select range_agg(ds_private.partition_range($1, d.p)) from (select distinct ds_private.partition_start($1, t.ts) as p from ds_partitions.%I t) d', v_old)
    into v_ranges using v.partition_interval;
  perform ds_private.ensure_partitions(v.id, v_ranges);
  select string_agg(format('%I', a.attname), ', ' order by a.attnum) into v_columns
  from pg_catalog.pg_attribute a
  where a.attrelid = pg_catalog.to_regclass(format('ds_store.%I', v.table_name)) and a.attnum > 0 and not a.attisdropped;
  execute format('insert into ds_store.%I (%s) select %2$s from ds_partitions.%I', v.table_name, v_columns, v_old);
  get diagnostics v_rows = row_count;
  execute format('drop table ds_partitions.%I', v_old);
  perform ds_private.refresh_dataset_view(v.dataset_id);
  return v_rows;
end;
$$;
comment on function ds_private.convert_version_table(integer) is 'Converts the plain typed table of a version made before time partitions into a partitioned store with the same columns and key, its packed table, view, comments and typed read, its rows copied into their partitions, and re-creates the dataset''s view; returns the rows copied.';

create or replace function ds_private.move_version_to_store(version_id integer) returns void
language plpgsql volatile as $$
declare
  v ds_private.dataset_versions := (select r from ds_private.dataset_versions r where r.id = move_version_to_store.version_id);
begin
  -- what names the table's row type: the dataset's view (re-created below on the newest
  -- version) and the typed read (re-created on the new view); the partitions and the
  -- primary key index move with the table, no row is copied
  execute format('drop view if exists ds_data.%I', (select d.view_name from ds_private.datasets d where d.id = v.dataset_id));
  execute format('drop function if exists ds_data.%I(timestamptz, timestamptz)', ds_private.version_read_name(v.table_name));
  execute format('alter table ds_data.%I set schema ds_store', v.table_name);
  perform ds_private.create_packed_table(v.id);
  perform ds_private.create_version_view(v.id);
  perform ds_private.comment_version_table(v.id);
  perform ds_private.create_version_read(v.id);
  perform ds_private.refresh_dataset_view(v.dataset_id);
end;
$$;
comment on function ds_private.move_version_to_store(integer) is 'Moves the partitioned typed table of a version made before packed partitions (ds_data.<table>) to ds_store with its partitions, creates its packed table, view ds_data.<table> and typed read, and re-creates the dataset''s view.';

-- the idempotent step: every version gets its partition size, every partitioned table in
-- ds_data moves to ds_store, every plain table is converted
do $$
declare
  v record;
begin
  update ds_private.dataset_versions x set partition_interval = ds_private.default_partition_interval(x.step)
  where x.partition_interval is null;
  for v in
    select x.id, c.relkind from ds_private.dataset_versions x
    join pg_catalog.pg_class c on c.oid = pg_catalog.to_regclass(format('ds_data.%I', x.table_name))
    where c.relkind in ('p', 'r') order by x.id
  loop
    if v.relkind = 'p' then
      perform ds_private.move_version_to_store(v.id);
    else
      perform ds_private.convert_version_table(v.id);
    end if;
  end loop;
end
$$;
