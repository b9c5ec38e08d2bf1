-- Applying a write in the caller's transaction: the rows with the dataset's conflict
-- policy (write_statement.sql), then coverage, the invalidation of dependents and the
-- rebuilds of those refreshed on write — all or nothing.
--
-- Coverage of a written dataset: the slots [p, p + step) of its grid that hold written
-- rows (a row need not sit on a point: a tick at 14:30:12.5 covers the 1m slot 14:30), plus
-- the calendar slots of the range the writer declares complete (covers). Slots that become
-- covered change every key of a dependent (a bucket may become complete); rows written into
-- slots covered already change only their keys.

create or replace function ds_private.apply_write(v ds_private.dataset_versions, source_sql text, rows jsonb, row_label text, covers tstzrange)
returns table (written bigint, first_ts timestamptz, last_ts timestamptz)
language plpgsql volatile as $$
declare
  v_statement text := ds_private.write_statement_sql(v, source_sql, ds_private.change_key(v.id));
  v_touched tstzmultirange;
  v_changes ds_private.key_slots[];
  v_new tstzmultirange;
  v_detail text;
begin
  perform ds_private.check_covers(covers);
  -- the table before the dataset locks, in every writer (docs/storage.md): its partitions
  -- first, then its write lock, which waits for a ds.delete or retention dropping partitions
  -- (they take the table, then the dataset) instead of deadlocking with it
  perform ds_private.ensure_row_partitions(v.id, source_sql, rows);
  execute format('lock table ds_store.%I in row exclusive mode', v.table_name);
  perform ds_private.lock_write_closure(v.id);
  if v.write_conflict = 'reject' then
    begin
      execute v_statement into written, first_ts, last_ts, v_touched, v_changes using rows, v.step, v.start_at, v, row_label;
    exception when unique_violation then
      -- a concurrent writer stored the same (ts, key) after this statement's check
      get stacked diagnostics v_detail = pg_exception_detail;
      raise exception '% %: a row exists: %', v.name, v.version, coalesce(v_detail, sqlerrm) using errcode = 'DS027',
        detail = 'The dataset''s conflict policy is reject; nothing was written.',
        hint = 'Write only new rows, delete the old ones first (ds.delete), or set [write] conflict = "last-write-wins".';
    end;
  else
    execute v_statement into written, first_ts, last_ts, v_touched, v_changes using rows, v.step, v.start_at, v, row_label;
  end if;
  if covers is not null then
    v_touched := v_touched + ds_private.version_slots(v.id, tstzmultirange(covers));
  end if;
  select v_touched - x.coverage into v_new from ds_private.dataset_versions x where x.id = v.id;
  if not isempty(v_new) then
    update ds_private.dataset_versions x set coverage = x.coverage + v_new where x.id = v.id;
  end if;
  -- newly covered slots change every key; the other written slots only their keys
  v_changes := array(select row(c.key, c.slots - v_new)::ds_private.key_slots from unnest(v_changes) c where not isempty(c.slots - v_new))
    || case when isempty(v_new) then '{}'::ds_private.key_slots[] else array[row(null::jsonb, v_new)::ds_private.key_slots] end;
  perform ds_private.after_change(v, v_changes);
  perform pg_notify('ds_data', json_build_object('dataset', v.name, 'version', v.version, 'rows', written,
    'first', first_ts, 'last', last_ts)::text);
  return next;
end;
$$;
comment on function ds_private.apply_write(ds_private.dataset_versions, text, jsonb, text, tstzrange) is 'Applies a write (the rows of source_sql, with the version''s conflict policy), adds the touched slots and the calendar slots of covers to coverage, invalidates dependents (every key over newly covered slots, else the written keys) and enqueues the rebuilds of those refreshed on write; returns the rows inserted or changed and their first and last ts.';

create or replace function ds_private.check_covers(covers tstzrange) returns void
language plpgsql immutable as $$
begin
  if covers is null or isempty(covers) then
    return;
  end if;
  if lower_inf(covers) or upper_inf(covers) then
    raise exception 'covers % is unbounded', covers using errcode = 'DS012',
      detail = 'A write declares complete a bounded range of calendar slots.',
      hint = 'Pass both bounds, for example covers => ''[2024-03-01 14:30Z, 2024-03-01 21:00Z)''.';
  end if;
  if not isfinite(lower(covers)) or not isfinite(upper(covers)) then
    raise exception 'covers %: infinity is not a finite timestamp', covers using errcode = 'DS035',
      detail = 'A write declares complete a bounded range of calendar slots.',
      hint = 'Pass finite bounds, for example covers => ''[2024-03-01 14:30Z, 2024-03-01 21:00Z)''.';
  end if;
end;
$$;
comment on function ds_private.check_covers(tstzrange) is 'Validates the covers range of a write: DS012 when unbounded, DS035 when a bound is infinity or -infinity.';

create or replace function ds_private.after_change(v ds_private.dataset_versions, changes ds_private.key_slots[]) returns void
language plpgsql volatile as $$
begin
  if cardinality(changes) = 0 then
    return;
  end if;
  perform from ds_private.invalidate_dependents(v.id, changes);
  perform ds_private.refresh_on_write(v.id, changes);
end;
$$;
comment on function ds_private.after_change(ds_private.dataset_versions, ds_private.key_slots[]) is 'What follows a change of a dataset''s rows in the same transaction: its dependents are invalidated (per key where they work per key) and those refreshed on write get a build of the points that read the changed slots.';

create or replace function ds_private.check_written_dataset(v ds_private.dataset_versions) returns void
language plpgsql stable as $$
begin
  if v.builder <> 'external' then
    raise exception '% % is built, not written', v.name, v.version using errcode = 'DS028',
      detail = format('its builder is %s; ds.write and ds import feed datasets declared with [write] in config.toml', v.builder),
      hint = 'Build it with ds.build, or write into a dataset with [write] and no builder.';
  end if;
end;
$$;
comment on function ds_private.check_written_dataset(ds_private.dataset_versions) is 'Raises DS028 unless the version is written from outside (builder external).';

create or replace function ds.write(dataset text, version text, rows jsonb, covers tstzrange default null)
returns table (written bigint, first_ts timestamptz, last_ts timestamptz)
language plpgsql volatile set timezone to 'UTC' as $$
declare
  v ds_private.dataset_versions := ds_private.find_version(dataset, version);
  v_bad record;
begin
  perform ds_private.check_primary('ds.write');
  perform ds_private.check_written_dataset(v);
  perform ds_private.check_json_rows(v, rows);
  begin
    return query select * from ds_private.apply_write(v, ds_private.json_rows_sql(v), rows, 'rows[%s]', covers);
  exception when data_exception then
    -- a value of the right JSON type that does not convert (2024-02-30, 1e400): name its row
    v_bad := ds_private.json_cast_problem(v, rows);
    if v_bad.n is null then
      raise;
    end if;
    perform ds_private.raise_write_error(v, format('rows[%s]', v_bad.n), v_bad.problem);
  end;
end;
$$;
comment on function ds.write(text, text, jsonb, tstzrange) is '@behavior -*
Writes rows into a dataset fed from outside ([write] in config.toml): rows is a JSON array of objects {"ts": ..., field: value, ...} with every field of the schema (ts in ISO 8601, UTC unless it has an offset; microseconds allowed; several rows per ts told apart by the key). Applied with the dataset''s conflict policy (last-write-wins, merge-high-low, reject: DS027), with coverage (the slots holding rows, plus the calendar slots of covers, a range the writer declares complete) and the invalidation of dependents in the same transaction. Returns the rows inserted or changed (an identical row is not rewritten) and their first and last ts. DS017 names the first invalid row (nothing is written); DS028 for a built dataset.';
