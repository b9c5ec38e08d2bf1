-- The bulk path: a client COPYs rows into a temporary staging table of its session
-- (create temp table ... (like ds_data.<table> including defaults) on commit drop: a
-- dataset without key has the implicit column row_number, default 1, that the write numbers
-- itself), then one call applies
-- them like ds.write — same conflict policy, checks, coverage and invalidation — in the
-- same transaction. `ds import` (cli/commands/import.ts) does exactly that from a CSV file.

create or replace function ds_private.staging_source_sql(v ds_private.dataset_versions, staging regclass) returns text
language plpgsql stable as $$
declare
  v_class record;
  v_missing text;
begin
  select n.nspname, c.relname, c.relnamespace = pg_my_temp_schema() as mine into v_class
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where c.oid = staging;
  if not coalesce(v_class.mine, false) then
    raise exception 'the staging table % is not a temporary table of this session', staging using errcode = 'DS029',
      detail = 'ds.import_staged reads only the caller''s own temporary tables.',
      hint = format('create temp table staging (like ds_store.%I including defaults) on commit drop; copy staging from stdin ...; then call ds.import_staged in the same transaction.', v.table_name);
  end if;
  select string_agg(f, ', ' order by o) into v_missing
  from unnest(array['ts'] || array(select f ->> 'name' from jsonb_array_elements(v.schema) f)) with ordinality u(f, o)
  where not exists (select from pg_catalog.pg_attribute a where a.attrelid = staging and a.attname = f and a.attnum > 0 and not a.attisdropped);
  if v_missing is not null then
    raise exception 'the staging table % has no column %', staging, v_missing using errcode = 'DS029',
      detail = format('%s %s has the columns ts and %s', v.name, v.version, (select string_agg(f ->> 'name', ', ') from jsonb_array_elements(v.schema) f)),
      hint = format('create temp table staging (like ds_store.%I including defaults) on commit drop', v.table_name);
  end if;
  -- rows in the order they were copied in (a fresh temporary table is filled in order)
  return format('select row_number() over (order by x.ctid) as "N", %s from %I.%I x',
    (select string_agg(format('x.%I::%s as %I', f ->> 'name', coalesce(ds_private.column_type(f ->> 'type'), 'timestamptz'), f ->> 'name'), ', ' order by o)
     from jsonb_array_elements(jsonb_build_array(jsonb_build_object('name', 'ts')) || v.schema) with ordinality e(f, o)),
    v_class.nspname, v_class.relname);
end;
$$;
comment on function ds_private.staging_source_sql(ds_private.dataset_versions, regclass) is 'The write source of ds.import_staged: "N" (1-based, in copy order), ts and the fields read from the caller''s temporary staging table; DS029 when it is not one or lacks a column.';

create or replace function ds.import_staged(dataset text, version text, staging regclass, covers tstzrange default null)
returns table (written bigint, first_ts timestamptz, last_ts timestamptz)
language plpgsql volatile set timezone to 'UTC' as $$
declare
  v ds_private.dataset_versions := ds_private.find_version(dataset, version);
begin
  perform ds_private.check_primary('ds.import_staged');
  perform ds_private.check_written_dataset(v);
  return query select * from ds_private.apply_write(v, ds_private.staging_source_sql(v, staging), null, 'staged row %s', covers);
end;
$$;
comment on function ds.import_staged(text, text, regclass, tstzrange) is '@behavior -*
Writes the rows of a temporary staging table of the calling session (create temp table s (like ds_data.<table> including defaults) on commit drop, filled with COPY; row_number, the implicit column of a dataset without key, is ignored) into a dataset fed from outside, exactly like ds.write: conflict policy, checks (DS017 names the staged row, 1-based in copy order), coverage (plus the calendar slots of covers) and invalidation in the caller''s transaction. Returns the rows inserted or changed and their first and last ts. DS028 for a built dataset, DS029 for a staging table that is not the caller''s or lacks a column.';
