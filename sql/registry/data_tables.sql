-- The typed table of each dataset version, and the view per dataset that shows its newest
-- version. The typed table ds_data.<table> is a view over the version's store
-- (ds_store.<table>, partitioned by range on ts: partitions.sql) and its packed partitions
-- (ds_packed.<table>): version_layout.sql, docs/storage.md. Identifiers only through
-- format('%I'); column types come from the fixed list of ds_private.column_type. A dataset
-- without key has the implicit column row_number (last, integer, default 1): the position
-- of a row among its timestamp's rows, so that any number of rows share a timestamp; its
-- primary key is (ts, row_number).

create or replace function ds_private.table_key(v ds_private.dataset_versions) returns text[]
language sql immutable parallel safe as $$
  select case when cardinality(v.key) = 0 then array['row_number'] else v.key end
$$;
comment on function ds_private.table_key(ds_private.dataset_versions) is 'The primary key columns of a version''s table after ts: its key, or row_number (the implicit key) for a dataset without key; also the order of rows within a timestamp.';

create or replace function ds_private.comment_version_table(version_id integer) returns void
language plpgsql volatile as $$
declare
  v ds_private.dataset_versions := (select r from ds_private.dataset_versions r where r.id = version_id);
  v_text text := format('%s %s: %s Calendar %s, granularity %s, from %s.', v.name, v.version,
    coalesce(rtrim(v.description, '.') || '.', 'no description.'), v.calendar, v.granularity,
    to_char(v.start_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
  v_field jsonb;
begin
  execute format('comment on view ds_data.%I is %L', v.table_name, v_text);
  execute format('comment on table ds_store.%I is %L', v.table_name,
    format('The unpacked rows of %s %s, partitioned by range on ts; written by builds and writes. Read ds_data.%s, which adds the packed rows.', v.name, v.version, v.table_name));
  -- the view's columns carry the descriptions (GraphQL and BI tools read them), the store's too
  perform ds_private.comment_version_column(v, 'ts', 'The calendar point (timestamptz).');
  if cardinality(v.key) = 0 then
    perform ds_private.comment_version_column(v, 'row_number',
      'The row''s position among the rows of its timestamp (1, 2, ...), in the order they were built or written: the implicit key of a dataset without key.');
  end if;
  for v_field in select f from jsonb_array_elements(v.schema) f loop
    perform ds_private.comment_version_column(v, v_field ->> 'name',
      format('%s field %s (%s%s).', v.name, v_field ->> 'name', v_field ->> 'type',
             case when (v_field ->> 'nullable')::boolean then ', nullable' else '' end));
  end loop;
end;
$$;
comment on function ds_private.comment_version_table(integer) is 'Sets the comments of a version''s typed table (the view ds_data.<table>: its description, calendar, granularity and start date; each column) and of its store.';

create or replace function ds_private.comment_version_column(v ds_private.dataset_versions, column_name text, description text) returns void
language plpgsql volatile as $$
begin
  execute format('comment on column ds_data.%I.%I is %L', v.table_name, column_name, description);
  execute format('comment on column ds_store.%I.%I is %L', v.table_name, column_name, description);
end;
$$;
comment on function ds_private.comment_version_column(ds_private.dataset_versions, text, text) is 'Comments one column of a version''s typed table (the view in ds_data) and of its store alike.';

create or replace function ds_private.create_version_table(version_id integer) returns void
language plpgsql volatile as $$
declare
  v ds_private.dataset_versions := (select r from ds_private.dataset_versions r where r.id = version_id);
  v_columns text;
  v_key text;
begin
  select string_agg(format('%I %s%s', f.field ->> 'name', ds_private.column_type(f.field ->> 'type'),
                           case when (f.field ->> 'nullable')::boolean then '' else ' not null' end), ', ' order by f.ord)
    into v_columns from jsonb_array_elements(v.schema) with ordinality f(field, ord);
  select string_agg(format(', %I', k.name), '' order by k.ord) into v_key from unnest(ds_private.table_key(v)) with ordinality k(name, ord);
  -- partitioned by range on ts (partitions.sql); the primary key holds ts, the partition
  -- column, as every unique index must (and as Citus needs)
  execute format('create table ds_store.%I (ts timestamptz not null, %s%s, constraint %I primary key (ts%s)) partition by range (ts)',
    v.table_name, v_columns, case when cardinality(v.key) = 0 then ', row_number integer not null default 1' else '' end,
    v.table_name || '_pkey', v_key);
  perform ds_private.create_packed_table(version_id);
  perform ds_private.create_version_view(version_id);
  perform ds_private.comment_version_table(version_id);
  perform ds_private.create_version_read(version_id);
end;
$$;
comment on function ds_private.create_version_table(integer) is 'Creates the typed table of a dataset version: its store ds_store.<table_name>, partitioned by range on ts (partitions come with the writes that need them, partitions.sql): ts plus one column per schema field, primary key (ts, key columns); without key, the last column row_number and primary key (ts, row_number); its packed partitions ds_packed.<table_name>; the view ds_data.<table_name> over both (version_layout.sql), which readers read; and its typed range read ds_data.<table_name>_rows (version_reads.sql).';

create or replace function ds_private.refresh_dataset_view(dataset_id integer) returns void
language plpgsql volatile as $$
declare
  v_dataset ds_private.datasets := (select d from ds_private.datasets d where d.id = refresh_dataset_view.dataset_id);
  v ds_private.dataset_versions := (select r from ds_private.dataset_versions r where r.id = ds_private.newest_version_id(refresh_dataset_view.dataset_id));
begin
  if ds_private.ds_data_relation_exists(v_dataset.view_name) then
    execute format('drop view ds_data.%I', v_dataset.view_name);
  end if;
  execute format('create view ds_data.%I as select * from ds_data.%I', v_dataset.view_name, v.table_name);
  execute format('comment on view ds_data.%I is %L', v_dataset.view_name,
    format('The newest version of %s (now %s, the table ds_data.%s); re-created when a newer version registers.', v.name, v.version, v.table_name));
end;
$$;
comment on function ds_private.refresh_dataset_view(integer) is 'Re-creates the view ds_data.<view_name> of a dataset on the table of its newest version.';
