-- The three relations of a dataset version (docs/storage.md, "Packed partitions"):
--   ds_store.<table>   partitioned by range on ts: the unpacked rows, what every writer writes;
--   ds_packed.<table>  the packed partitions: one row per key and batch of up to 1,000
--                      rows, "@first_ts", "@last_ts" and "@rows", then one array per column
--                      (ts, each field that is not a key, row_number without key), in
--                      (ts, key) order; a batch never spans two partitions;
--   ds_data.<table>    the view that every reader reads: the store's rows, then the packed
--                      rows unpacked (unnest in the select list: a ProjectSet, no tuplestore).
-- The view has the table's columns in the table's order, so the name, the row type, the
-- naming rule and what BI tools see stay as they were before packing.

create or replace function ds_private.version_columns(version_id integer)
returns table (name text, type text, is_key boolean, not_null boolean, ord integer)
language sql stable as $$
  -- ts, every schema field, and row_number for a dataset without key: the table's order
  select 'ts', 'timestamptz', false, true, 0
  union all
  select f.field ->> 'name', ds_private.column_type(f.field ->> 'type'), (f.field ->> 'name') = any (v.key),
         not coalesce((f.field ->> 'nullable')::boolean, false), f.ord::integer
  from ds_private.dataset_versions v, jsonb_array_elements(v.schema) with ordinality f(field, ord)
  where v.id = version_columns.version_id
  union all
  select 'row_number', 'integer', false, true, 1000000
  from ds_private.dataset_versions v where v.id = version_columns.version_id and cardinality(v.key) = 0
  order by 5
$$;
comment on function ds_private.version_columns(integer) is 'The columns of a version''s table in order: ts, the schema''s fields (is_key for the key fields) and, without key, row_number; with their SQL types and whether they are not null.';

create or replace function ds_private.unpacked_select_list(version_id integer, alias text) returns text
language sql stable as $$
  -- key columns once per packed row, every other column unnested: PostgreSQL zips the
  -- select list's set-returning functions row by row (arrays of one batch have one length)
  select string_agg(case when c.is_key then format('%I.%I', alias, c.name) else format('unnest(%I.%I) as %I', alias, c.name, c.name) end, ', ' order by c.ord)
  from ds_private.version_columns(version_id) c
$$;
comment on function ds_private.unpacked_select_list(integer, text) is 'The select list that unpacks the rows of ds_packed.<table> (aliased alias) into the table''s columns, in the table''s order.';

create or replace function ds_private.create_packed_table(version_id integer) returns void
language plpgsql volatile as $$
declare
  v ds_private.dataset_versions := (select r from ds_private.dataset_versions r where r.id = version_id);
  v_columns text;
  v_lz4 boolean := exists (select from pg_catalog.pg_settings s where s.name = 'default_toast_compression' and 'lz4' = any (s.enumvals));
  v_column record;
begin
  select string_agg(case when c.is_key then format('%I %s not null', c.name, c.type) else format('%I %s[] not null', c.name, c.type) end, ', ' order by c.ord)
    into v_columns from ds_private.version_columns(version_id) c;
  -- "@first_ts", "@last_ts", "@rows": names no schema field can have (fields are lowercase
  -- identifiers), so they never collide with a column
  execute format('create table ds_packed.%I ("@first_ts" timestamptz not null, "@last_ts" timestamptz not null, "@rows" integer not null, %s)',
    v.table_name, v_columns);
  -- reads keep the batches that reach their range ("@last_ts" >= start); unpacking and
  -- deleting find a partition's batches by "@first_ts"
  execute format('create index %I on ds_packed.%I ("@last_ts")', v.table_name || '_l', v.table_name);
  execute format('create index %I on ds_packed.%I ("@first_ts")', v.table_name || '_f', v.table_name);
  for v_column in select c.name from ds_private.version_columns(version_id) c where not c.is_key loop
    -- arrays are compressed by TOAST: lz4 where the server has it (faster to read than pglz)
    if v_lz4 then
      execute format('alter table ds_packed.%I alter column %I set compression lz4', v.table_name, v_column.name);
    end if;
  end loop;
  -- analyzed empty: the planner then counts no rows for it (never analyzed, it would assume
  -- 10 pages' worth in every plan of the view)
  execute format('analyze ds_packed.%I', v.table_name);
  execute format('comment on table ds_packed.%I is %L', v.table_name,
    format('The packed partitions of %s %s: one row per key and batch of up to 1000 rows ("@first_ts" .. "@last_ts", "@rows" rows), an array per column in (ts, key) order. Read ds_data.%s.', v.name, v.version, v.table_name));
end;
$$;
comment on function ds_private.create_packed_table(integer) is 'Creates ds_packed.<table> of a version: "@first_ts", "@last_ts", "@rows", its key columns and one array per other column (ts, fields, row_number without key), indexed on "@first_ts" and "@last_ts", arrays compressed with lz4 where the server has it.';

create or replace function ds_private.create_version_view(version_id integer) returns void
language plpgsql volatile as $$
declare
  v ds_private.dataset_versions := (select r from ds_private.dataset_versions r where r.id = version_id);
  v_list text := (select string_agg(format('s.%I', c.name), ', ' order by c.ord) from ds_private.version_columns(version_id) c);
begin
  execute format('create view ds_data.%I as select %s from ds_store.%I s union all select %s from ds_packed.%I p',
    v.table_name, v_list, v.table_name, ds_private.unpacked_select_list(version_id, 'p'), v.table_name);
end;
$$;
comment on function ds_private.create_version_view(integer) is 'Creates the view ds_data.<table> of a version: the rows of ds_store.<table> and the packed rows of ds_packed.<table> unpacked, with the table''s columns in its order.';
