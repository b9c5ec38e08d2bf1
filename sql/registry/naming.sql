-- The naming rule for what a dataset version becomes in ds_data:
--   * a dataset name matches ^[a-z][a-z0-9_-]*$ and is at most 58 bytes;
--   * its view is ds_data.<view_name>, view_name = name with every "-" replaced by "_";
--   * the table of one version is ds_data.<view_name>_v<version>, the version with "." and
--     "-" replaced by "_" and lowercased (mock-ohlc 0.1.0 -> ds_data.mock_ohlc_v0_1_0);
--     at most 58 bytes, so that its primary key <table>_pkey fits in 63;
--   * the typed range read of one version is the function ds_data.<table>_rows(start_at,
--     end_at) (mock_ohlc_v0_1_0_rows): at most 63 bytes by the same limit; functions and
--     relations have separate names, and one table has one function, so it never collides;
--   * any collision is rejected (DS014): two datasets with one view name, a view name equal
--     to a table name, or a name already taken by another relation in ds_data.

create or replace function ds_private.dataset_view_name(dataset text) returns text
language sql immutable strict parallel safe as $$
  select replace(dataset, '-', '_')
$$;
comment on function ds_private.dataset_view_name(text) is 'The view in ds_data that shows the newest version of a dataset: its name with - replaced by _.';

create or replace function ds_private.dataset_table_name(dataset text, version text) returns text
language sql immutable strict parallel safe as $$
  select ds_private.dataset_view_name(dataset) || '_v' || lower(translate(version, '.-', '__'))
$$;
comment on function ds_private.dataset_table_name(text, text) is 'The table in ds_data of one dataset version: <view name>_v<version with . and - as _>, for example mock_ohlc_v0_1_0.';

create or replace function ds_private.version_read_name(table_name text) returns text
language sql immutable strict parallel safe as $$
  select table_name || '_rows'
$$;
comment on function ds_private.version_read_name(text) is 'The typed range read in ds_data of the version whose table is table_name: <table>_rows, for example mock_ohlc_v0_1_0_rows.';

create or replace function ds_private.check_dataset_name(dataset text, version text) returns void
language plpgsql volatile as $$
begin
  if dataset is null or dataset !~ '^[a-z][a-z0-9_-]*$' then
    perform ds_private.raise_definition_error('DS014', format('invalid dataset name %s', coalesce(quote_literal(dataset), 'null')),
      dataset, version, 'name', 'a dataset name starts with a lowercase letter and has only lowercase letters, digits, "_" and "-"',
      'Rename the folder builders/<name> and the name field, for example mock-ohlc.');
  end if;
  if octet_length(dataset) > 58 then
    perform ds_private.raise_definition_error('DS014', format('dataset name %L is too long', dataset),
      dataset, version, 'name', format('the name is %s bytes; the limit is 58', octet_length(dataset)),
      'Use a shorter name.');
  end if;
end;
$$;
comment on function ds_private.check_dataset_name(text, text) is 'Raises DS014 unless the dataset name matches ^[a-z][a-z0-9_-]*$ and is at most 58 bytes.';

create or replace function ds_private.check_table_name(dataset text, version text) returns void
language plpgsql volatile as $$
declare
  v_table text := ds_private.dataset_table_name(dataset, version);
begin
  if octet_length(v_table) > 58 then
    perform ds_private.raise_definition_error('DS014', format('table name %s is too long', v_table),
      dataset, version, 'name', format('the table name ds_data.%s is %s bytes; the limit is 58 (so that %s_pkey fits in 63)',
        v_table, octet_length(v_table), v_table),
      'Use a shorter dataset name or version.');
  end if;
end;
$$;
comment on function ds_private.check_table_name(text, text) is 'Raises DS014 when the derived table name of a dataset version is longer than 58 bytes.';
