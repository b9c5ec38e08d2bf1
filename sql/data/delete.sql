-- Deleting data: rows go, and so does the coverage of the deleted points; dependents'
-- points whose windows read them are invalidated (transitively, sql/write/invalidate.sql).
-- With a key filter only that key's rows go: coverage stays (the other keys are there); a
-- built dataset gets those points stale for the deleted keys (the next build rebuilds
-- them), and dependents that work per key are invalidated for those keys only.
-- Without key filter, the time partitions it would empty are dropped (their rows counted
-- first; ds_private.whole_partitions), and only the rest is deleted row by row. Packed
-- partitions in the range are unpacked first (packing.sql).

create or replace function ds_private.delete_key_filter_sql(v ds_private.dataset_versions, key jsonb) returns text
language plpgsql stable as $$
declare
  v_column text;
begin
  if key is null then
    return '';
  end if;
  select k into v_column from jsonb_object_keys(case when jsonb_typeof(key) = 'object' then key else '{}' end) k
  where k <> all (v.key) limit 1;
  if jsonb_typeof(key) <> 'object' or key = '{}' or v_column is not null then
    raise exception 'invalid key filter %', left(key::text, 200) using errcode = 'DS029',
      detail = format('%s %s has the key columns [%s]; the filter is an object of some of them and their values', v.name, v.version,
                      array_to_string(v.key, ', ')),
      hint = case when cardinality(v.key) = 0 then 'This dataset has no key: delete without key.'
                  else format('Pass for example key => ''{"%s": ...}''.', v.key[1]) end;
  end if;
  return (select string_agg(format(' and t.%1$I = (select k.%1$I from jsonb_populate_record(null::ds_data.%2$I, $3) k)', c, v.table_name), '')
          from jsonb_object_keys(key) c);
end;
$$;
comment on function ds_private.delete_key_filter_sql(ds_private.dataset_versions, jsonb) is 'The WHERE conditions of a delete restricted to a key filter (a JSON object of key columns and values; DS029 otherwise); empty without filter.';

create or replace function ds.delete(dataset text, version text, start_at timestamptz, end_at timestamptz, key jsonb default null)
returns table (deleted bigint, first_ts timestamptz, last_ts timestamptz)
language plpgsql volatile as $$
declare
  v ds_private.dataset_versions := ds_private.find_version(dataset, version);
  v_filter text;
  -- a built dataset rebuilds the deleted keys of a key filter (full key objects; without
  -- filter every key, all in the removed slots); a written one reports its changes per
  -- value of the key columns its per-key dependents keep
  v_change_key text[] := case when v.builder = 'external' then ds_private.change_key(v.id)
                              when key is null then '{}' else v.key end;
  v_keys text := array_to_string(array(select format('%I', k) from unnest(v_change_key) k), ', ');
  v_changes ds_private.key_slots[];
  v_removed tstzmultirange := '{}';
  v_whole text[] := '{}';
  v_dropped record;
begin
  perform ds_private.check_primary('ds.delete');
  perform ds_private.check_range(start_at, end_at);
  v_filter := ds_private.delete_key_filter_sql(v, key);
  -- packed partitions with rows in the range are unpacked first (docs/storage.md): the rows
  -- are then deleted, or their partitions dropped, like any others
  perform ds_private.unpack_range(v.id, tstzrange(start_at, end_at, '[]'));
  -- every key: the partitions wholly in the range are dropped, not emptied row by row; the
  -- table's lock before the dataset locks, the order of every writer (docs/storage.md)
  if key is null then
    v_whole := ds_private.whole_partitions(v.id, tstzrange(start_at, end_at, '[]'));
  end if;
  if cardinality(v_whole) > 0 then
    execute format('lock table ds_store.%I in access exclusive mode', v.table_name);
    v_whole := ds_private.whole_partitions(v.id, tstzrange(start_at, end_at, '[]'));  -- what is there now
  else
    execute format('lock table ds_store.%I in row exclusive mode', v.table_name);
  end if;
  perform ds_private.lock_write_closure(v.id);
  v_dropped := ds_private.drop_partitions(v.id, v_whole, true);
  -- the rows, and per key the slots they were in
  execute format(E'with d as (delete from ds_store.%1$I t where t.ts >= $1 and t.ts <= $2%2$s returning t.*)\n'
                 'select count(*), min(d.ts), max(d.ts), (select coalesce(array_agg(row(c.key, c.slots)::ds_private.key_slots), ''{}'') from\n'
                 '  (select %3$s as key, range_agg(tstzrange(y.p, y.p + $4)) as slots\n'
                 '   from (select distinct %4$sdate_bin($4, d.ts, timestamptz ''epoch'') as p from d) y group by 1) c) from d',
    v.table_name, v_filter,
    case when cardinality(v_change_key) = 0 then 'null::jsonb'
         else format('jsonb_build_object(%s)', array_to_string(array(select format('%L, y.%I', k, k) from unnest(v_change_key) k), ', ')) end,
    case when v_keys = '' then '' else v_keys || ', ' end)
    using start_at, end_at, key, v.step into deleted, first_ts, last_ts, v_changes;
  deleted := deleted + v_dropped.rows;
  first_ts := least(first_ts, v_dropped.first_ts);
  last_ts := greatest(last_ts, v_dropped.last_ts);
  if key is null then
    -- every key: the points in the range are no longer built
    v_removed := tstzmultirange(tstzrange(ds_private.align_up(start_at, v.step), ds_private.align_down(end_at, v.step) + v.step));
    update ds_private.dataset_versions x set coverage = x.coverage - v_removed where x.id = v.id;
    v_changes := array(select row(c.key, c.slots - v_removed)::ds_private.key_slots from unnest(v_changes) c where not isempty(c.slots - v_removed))
      || case when isempty(v_removed) then '{}'::ds_private.key_slots[] else array[row(null::jsonb, v_removed)::ds_private.key_slots] end;
  elsif v.builder <> 'external' then
    -- a built dataset rebuilds the deleted keys' rows at its built points
    insert into ds_private.stale (dataset_version_id, points, keys)
    select v.id, p.points, p.keys
    from (select c.slots * v.coverage as points, jsonb_agg(c.key order by c.key) as keys from unnest(v_changes) c group by c.slots) p
    where not isempty(p.points);
  end if;
  perform ds_private.after_change(v, v_changes);
  perform pg_notify('ds_data', json_build_object('dataset', dataset, 'version', version, 'deleted', deleted,
    'first', first_ts, 'last', last_ts)::text);
  return next;
end;
$$;
comment on function ds.delete(text, text, timestamptz, timestamptz, jsonb) is '@behavior -*
Deletes the rows of a dataset version in [start_at, end_at] (inclusive) and its coverage there (time partitions it would empty are dropped rather than emptied row by row); returns the count and the first and last deleted timestamps. Dependents'' points that read them are invalidated (coverage removed; per key for dependents that work per key), so the next build recomputes them; those refreshed on write are rebuilt at once. With key (a JSON object of key columns, {"ticker": "AAPL"}) only that key''s rows go and coverage stays: a built dataset rebuilds them at the next build, and dependents that work per key recompute that key only. DS029 for a key filter that names a non-key column.';
