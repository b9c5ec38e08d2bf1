-- The one statement that applies a write to a dataset's table with its conflict policy
-- (docs/writes.md), whatever the rows come from (ds.write's JSON, ds.import_staged's
-- staging table): the source is a SELECT of "N" (the row's position, for messages and for
-- "later rows win"; upper case, so that no field can have its name), ts and every field,
-- already of the column types.
--
--   src   the rows, checked (ts null or before the start date, null in a non-nullable
--         field, NaN or Infinity: DS017 naming the row)
--   rows  one row per (ts, key): the last one (last-write-wins), high = max, low = min and
--         the last row's other fields (merge-high-low), or a DS027 when there are two (reject)
--   w     INSERT ... ON CONFLICT: the rows inserted or changed (an identical row is not
--         rewritten, so it invalidates nothing)
-- Without key the implicit key is row_number: the rows of a timestamp are numbered 1, 2, ...
-- in the order given, so a write gives each timestamp it names exactly its rows for it
-- (last-write-wins: rows past the new count are deleted, d, and count as changes; reject:
-- DS027 when the timestamp has rows already); merge-high-low keeps one row per ts (row 1).
-- and it returns written, first_ts, last_ts, the slots the rows touch (coverage) and, per
-- key, the slots of the rows written (invalidation).
-- Parameters: $1 rows (jsonb), $2 step, $3 start date, $4 the dataset version, $5 the row
-- label format ('rows[%s]').

create or replace function ds_private.write_checked_column_sql(field jsonb) returns text
language sql immutable strict parallel safe as $$
  -- a CASE only when the field has something to check (a nullable str has nothing: "case
  -- else s.x end" is a syntax error)
  select format('%s as %I', case when w.checks is null then format('s.%I', field ->> 'name')
                                 else format('case %s else s.%I end', w.checks, field ->> 'name') end, field ->> 'name')
  from (select case when field ->> 'name' = 'ts' then
          'when s.ts is null then ds_private.write_row_error($4, $5, s."N", ''ts is null'', null::timestamptz) '
          'when not isfinite(s.ts) then ds_private.write_ts_error($4, $5, s."N", s.ts) '
          'when s.ts < $3 then ds_private.write_row_error($4, $5, s."N", ''ts '' || ds_private.iso_utc(s.ts) || '' is before the start date '' || ds_private.iso_utc($3), null::timestamptz)'
        else nullif(concat_ws(' ',
          case when not (field ->> 'nullable')::boolean then
            format('when s.%1$I is null then ds_private.write_row_error($4, $5, s."N", %2$L, null::%3$s)', field ->> 'name',
                   format('field "%s" is null but not nullable', field ->> 'name'), ds_private.column_type(field ->> 'type')) end,
          case when field ->> 'type' in ('float', 'numeric') then
            format('when s.%1$I in (''NaN'', ''Infinity'', ''-Infinity'') then ds_private.write_row_error($4, $5, s."N", %2$L || s.%1$I || %3$L, null::%4$s)',
                   field ->> 'name', format('field "%s" is ', field ->> 'name'), ': NaN and Infinity are not allowed', ds_private.column_type(field ->> 'type')) end), '')
        end as checks) w
$$;
comment on function ds_private.write_checked_column_sql(jsonb) is 'The select-list item of the write statement for ts or one field: the value of the source row s, or DS017 (ts null or before the start date, null in a non-nullable field, NaN/Infinity) or DS035 (ts infinity or -infinity).';

create or replace function ds_private.write_statement_sql(v ds_private.dataset_versions, source_sql text, change_key text[]) returns text
language plpgsql stable as $$
declare
  v_fields jsonb := jsonb_build_array(jsonb_build_object('name', 'ts', 'type', 'ts', 'nullable', false)) || v.schema;
  v_all text[] := array(select f ->> 'name' from jsonb_array_elements(v_fields) f);
  v_keyless boolean := cardinality(v.key) = 0;
  v_table_key text[] := ds_private.table_key(v);
  v_others text[] := array(select n from unnest(v_all) n where n <> 'ts' and n <> all (v.key));
  v_pk text := array_to_string(array(select format('%I', n) from unnest(array['ts'] || v_table_key) n), ', ');
  v_list text := array_to_string(array(select format('%I', n) from unnest(v_all || case when v_keyless then array['row_number'] else '{}' end) n), ', ');
  -- without key: each timestamp's rows numbered in the order given (one row per ts when merging)
  v_row_number text := case when not v_keyless then ''
    when v.write_conflict = 'merge-high-low' then ', 1 as row_number'
    else ', row_number() over (partition by s.ts order by s."N") as row_number' end;
  v_writes text;
  v_key_of text := case when cardinality(v.key) = 0 then 'null::jsonb'
    else format('jsonb_build_object(%s)', array_to_string(array(select format('%L, %%1$s.%I', k, k) from unnest(v.key) k), ', ')) end;
  -- changes are reported per value of change_key (the key columns some per-key dependent keeps)
  v_change_of text := case when cardinality(change_key) = 0 then 'null::jsonb'
    else format('jsonb_build_object(%s)', array_to_string(array(select format('%L, y.%I', k, k) from unnest(change_key) k), ', ')) end;
  v_change_cols text := array_to_string(array(select format('w.%I', k) from unnest(change_key) k), ', ');
  v_rows text;
  v_new text[];
  v_conflict text;
begin
  if v.write_conflict = 'merge-high-low' then
    -- per (ts, key): the greatest high, the least low, the last row's other fields
    v_rows := format('select %s from src s group by %s', array_to_string(
      array(select format('s.%I', n) from unnest(array['ts'] || v_table_key) n)
      || array['max(s.high) as high', 'min(s.low) as low']
      || array(select format('(array_agg(s.%1$I order by s."N" desc))[1] as %1$I', n) from unnest(v_others) n where n not in ('high', 'low')),
      ', '), v_pk);
    v_new := array(select case n when 'high' then 'greatest(t.high, excluded.high)' when 'low' then 'least(t.low, excluded.low)'
                                 else format('excluded.%I', n) end from unnest(v_others) n);
  elsif v.write_conflict = 'reject' then
    -- a (ts, key) stored already, or twice in the rows: DS027
    v_rows := format(E'select s.* from src s\n  where not exists (select from (%s) c where ds_private.raise_row_exists($4, c.ts, c.key))',
      format('select s.ts, %1$s as key from src s join ds_store.%2$I t using (%3$s) union all select s.ts, %1$s from src s group by %3$s having count(*) > 1 limit 1',
             format(v_key_of, 's'), v.table_name, v_pk));
  else
    -- per (ts, key): the last row
    v_rows := format('select distinct on (%1$s) s.* from src s order by %1$s, s."N" desc', v_pk);
    v_new := array(select format('excluded.%I', n) from unnest(v_others) n);
  end if;
  if v.write_conflict = 'reject' then
    v_conflict := '';
  elsif cardinality(v_others) = 0 then
    v_conflict := format(' on conflict (%s) do nothing', v_pk);
  else
    -- an identical row is not rewritten: it changes nothing, so it invalidates nothing
    v_conflict := format(' on conflict (%s) do update set %s where (%s) is distinct from (%s)', v_pk,
      array_to_string(array(select format('%I = %s', n, e) from unnest(v_others, v_new) u(n, e)), ', '),
      array_to_string(array(select format('t.%I', n) from unnest(v_others) n), ', '), array_to_string(v_new, ', '));
  end if;
  v_writes := format('insert into ds_store.%I as t (%s) select %2$s from rows%s returning t.*', v.table_name, v_list, v_conflict);
  if v_keyless and v.write_conflict = 'last-write-wins' then
    -- the rows past a timestamp's new count go: i (inserted or changed) and d make the changes w
    v_writes := format(E'i as (%s),\nd as (delete from ds_store.%I t using (select r.ts, max(r.row_number) as n from rows r group by r.ts) m\n'
                       '  where t.ts = m.ts and t.row_number > m.n returning t.*),\nw as (select * from i union all select * from d)', v_writes, v.table_name);
  else
    v_writes := format('w as (%s)', v_writes);
  end if;
  return format(E'with src as materialized (\n  select s."N", %1$s%9$s\n  from (%2$s) s\n),\nrows as (%3$s),\n'
                '%4$s\n'
                'select (select count(*) from %10$s)::bigint, (select min(w.ts) from w), (select max(w.ts) from w),\n'
                '  (select coalesce(range_agg(tstzrange(b.p, b.p + $2)), ''{}'') from (select distinct date_bin($2, src.ts, timestamptz ''epoch'') as p from src) b),\n'
                '  (select coalesce(array_agg(row(c.key, c.slots)::ds_private.key_slots), ''{}'') from\n'
                '    (select %7$s as key, range_agg(tstzrange(y.p, y.p + $2)) as slots\n'
                '     from (select distinct %8$sdate_bin($2, w.ts, timestamptz ''epoch'') as p from w) y group by 1) c)',
    array_to_string(array(select ds_private.write_checked_column_sql(f) from jsonb_array_elements(v_fields) f), ', '),
    source_sql, v_rows, v_writes, null, null, v_change_of,
    case when v_change_cols = '' then '' else v_change_cols || ', ' end, v_row_number,
    case when v_keyless and v.write_conflict = 'last-write-wins' then 'i' else 'w' end);
end;
$$;
comment on function ds_private.write_statement_sql(ds_private.dataset_versions, text, text[]) is 'The statement applying a write with the version''s conflict policy (see the comment above it; without key a write replaces the rows of each timestamp it names, numbered in row_number); it returns written, first_ts, last_ts, the touched slots and the changes (ds_private.key_slots[]) per value of the change_key columns (one change for every key when empty).';

create or replace function ds_private.change_key(version_id integer) returns text[]
language sql stable as $$
  -- no dependent works per key: a change is a change of every key, however many keys it has
  select array(select k from ds_private.dataset_versions v, unnest(v.key) with ordinality u(k, o)
               where v.id = change_key.version_id
                 and exists (select from ds_private.dependencies d join ds_private.dataset_versions x on x.id = d.dataset_version_id
                             where d.depends_on_id = v.id and ds_private.keyed_edge(d) is not null and u.k = any (x.key))
               order by u.o)
$$;
comment on function ds_private.change_key(integer) is 'The key columns of a version that some dependent working per key keeps: the granularity at which a write reports its changes (ticks keyed by ticker and seq, bars by ticker: per ticker).';

create or replace function ds_private.iso_utc(ts timestamptz) returns text
language sql immutable strict parallel safe as $$
  select to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || rtrim(to_char(ts at time zone 'UTC', '.US'), '.0') || 'Z'
$$;
comment on function ds_private.iso_utc(timestamptz) is 'A timestamp as ISO 8601 in UTC with Z, with its fractional seconds when it has some (2024-03-01T14:30:00.25Z).';

create or replace function ds_private.write_row_error(v ds_private.dataset_versions, label_format text, n bigint, problem text, type_of anyelement)
returns anyelement
language plpgsql volatile as $$
begin
  perform ds_private.raise_write_error(v, format(label_format, n), problem);
  return type_of;
end;
$$;
comment on function ds_private.write_row_error(ds_private.dataset_versions, text, bigint, text, anyelement) is 'Raises DS017 for row n of a write (typed like its last argument, to fit in a CASE of the write statement).';

create or replace function ds_private.write_ts_error(v ds_private.dataset_versions, label_format text, n bigint, ts timestamptz)
returns timestamptz
language plpgsql volatile as $$
begin
  raise exception '% %: %: ts % is not a finite timestamp', v.name, v.version, format(label_format, n), ts using errcode = 'DS035',
    detail = 'A row at infinity or -infinity lies in no calendar slot: no coverage could see it and no range could delete it; nothing was written.',
    hint = 'Write ts as a finite ISO 8601 timestamp (UTC unless it has an offset).';
end;
$$;
comment on function ds_private.write_ts_error(ds_private.dataset_versions, text, bigint, timestamptz) is 'Raises DS035 for row n of a write whose ts is infinity or -infinity (typed timestamptz, to fit in a CASE of the write statement).';

create or replace function ds_private.raise_row_exists(v ds_private.dataset_versions, ts timestamptz, key jsonb) returns boolean
language plpgsql volatile as $$
begin
  raise exception using errcode = 'DS027',
      message = format('%s %s: a row exists at %s%s', v.name, v.version, ds_private.iso_utc(ts), coalesce(' for key ' || key::text, '')),
      detail = 'The dataset''s conflict policy is reject: a (ts, key) that is stored already, or given twice, is refused; nothing was written.',
      hint = 'Write only new rows, delete the old ones first (ds.delete), or set [write] conflict = "last-write-wins".';
end;
$$;
comment on function ds_private.raise_row_exists(ds_private.dataset_versions, timestamptz, jsonb) is 'Raises DS027 "a row exists" naming the ts and key of a write to a dataset whose conflict policy is reject.';
