-- ds.asof: the as-of join of a right dataset onto the rows of a left dataset (kdb+'s aj), as
-- one merge of both ordered streams with a running window aggregate.
--
-- When a right row becomes known (available): by default at the end of its bucket — a bar
-- labelled by its start is only complete at its end, and a daily bar labelled at midnight
-- only at the close (no look-ahead); with available => 'label', at its ts (rows that are
-- instants: ticks, quotes). A left row at ts meets the latest right row known at ts.

create or replace function ds_private.available_at_sql(r ds_private.dataset_versions, row_alias text) returns text
language sql stable as $$
  -- the end of the bucket of the right row: its grid slot, clipped to its session's close
  -- (sub-daily calendars); for a daily calendar the close of the last session in the bucket
  -- of the intraday calendar it closes with (calendars/nyse-daily.toml: closes-with =
  -- "nyse"), else the bucket's end. Sessions never cross midnight UTC.
  select case
    when c.kind = 'intraday' and r.step < interval '1 day' then format(
      'least(date_bin(%1$s, %2$s.ts, timestamptz ''epoch'') + %1$s, coalesce((select s.close_at from ds_private.calendar_sessions s '
      'where s.calendar = %3$L and s.day = (%2$s.ts at time zone ''UTC'')::date and s.close_at > %2$s.ts), ''infinity''))',
      ds_private.transform_step_sql(r.step), row_alias, c.name)
    when c.kind = 'daily' and c.definition ->> 'closes-with' is not null then format(
      'coalesce((select max(s.close_at) from ds_private.calendar_sessions s where s.calendar = %3$L '
      'and s.day >= (date_bin(%1$s, %2$s.ts, timestamptz ''epoch'') at time zone ''UTC'')::date '
      'and s.day < ((date_bin(%1$s, %2$s.ts, timestamptz ''epoch'') + %1$s) at time zone ''UTC'')::date), date_bin(%1$s, %2$s.ts, timestamptz ''epoch'') + %1$s)',
      ds_private.transform_step_sql(r.step), row_alias, c.definition ->> 'closes-with')
    else format('date_bin(%1$s, %2$s.ts, timestamptz ''epoch'') + %1$s', ds_private.transform_step_sql(r.step), row_alias) end
  from ds_private.calendars c where c.name = r.calendar
$$;
comment on function ds_private.available_at_sql(ds_private.dataset_versions, text) is 'SQL of the instant a row (alias row_alias) of the version becomes known: the end of its bucket — its grid slot clipped to the session''s close below a day; for a daily calendar with closes-with, the close of that intraday calendar''s last session in the bucket (13:00 New York on an early close); else the bucket''s end.';

create or replace function ds_private.asof_check_available(available text) returns void
language plpgsql immutable as $$
begin
  if available is null or available not in ('end', 'label') then
    raise exception 'available must be ''end'' or ''label'', not %', coalesce(quote_literal(available), 'null') using errcode = 'DS025',
      detail = '''end'' (the default): a right row counts from the end of its bucket (a bar is complete at its end, a daily bar at the close); ''label'': from its ts.',
      hint = 'Leave available out for bars; pass available => ''label'' for rows that are instants (ticks, quotes).';
  end if;
end;
$$;
comment on function ds_private.asof_check_available(text) is 'Raises DS025 unless available is ''end'' or ''label'' (ds.asof).';

create or replace function ds_private.asof_check_by(l ds_private.dataset_versions, r ds_private.dataset_versions, by text[]) returns void
language plpgsql stable as $$
declare
  v_mismatch text;
begin
  if by is null then
    raise exception 'by must not be null' using errcode = 'DS025',
      detail = 'by lists the fields both datasets are matched on.', hint = 'Pass ''{}'' to match on time only.';
  end if;
  perform ds_private.check_fields(l, by, 'by');
  perform ds_private.check_fields(r, by, 'by');
  select string_agg(format('%s (%s on the left, %s on the right)', b, ds_private.field_types(l.schema) ->> b,
                           ds_private.field_types(r.schema) ->> b), ', ')
    into v_mismatch from unnest(by) b
  where ds_private.field_types(l.schema) ->> b <> ds_private.field_types(r.schema) ->> b;
  if v_mismatch is not null then
    raise exception 'by fields of different types: %', v_mismatch using errcode = 'DS025',
      detail = format('%s %s and %s %s must have the same type in every by field.', l.name, l.version, r.name, r.version),
      hint = 'Match on fields of the same type.';
  end if;
end;
$$;
comment on function ds_private.asof_check_by(ds_private.dataset_versions, ds_private.dataset_versions, text[]) is 'Raises DS025 unless every field of by exists, with the same type, in both dataset versions.';

create or replace function ds_private.asof_lookback(l ds_private.dataset_versions, r ds_private.dataset_versions, by text[],
  start_at timestamptz, end_at timestamptz) returns timestamptz
language plpgsql stable as $$
declare
  v_columns text := (select string_agg(format('t.%I', b), ', ') from unnest(by) b);
  v_groups text := 'select array_agg(jsonb_build_array(%2$s)) from (select distinct %1$s from ds_data.%3$I t where t.ts >= $1 and t.ts <= $2) t';
  v_first timestamptz;     -- the first right row
  v_wanted jsonb[];        -- the by values of the left rows
  v_found jsonb[] := '{}'; -- those with a right row in [v_from, start_at]
  v_from timestamptz := start_at;
  v_width interval := r.step * 64;
  v_slice jsonb[];
begin
  execute format('select min(t.ts) from ds_data.%I t', r.table_name) into v_first;
  if v_first is null or v_first >= start_at then
    return start_at;
  elsif v_columns is null then
    -- one group: the latest right row at or before start_at (one probe of the primary key)
    execute format('select max(t.ts) from ds_data.%I t where t.ts <= $1', r.table_name) into v_from using start_at;
    return v_from;
  end if;
  execute format(v_groups, v_columns, v_columns, l.table_name) into v_wanted using start_at, end_at;
  -- widen the window back from start_at (8x each time) until each group has a right row in it
  while v_wanted is not null and v_from > v_first and not (v_wanted <@ v_found) loop
    execute format(v_groups, v_columns, v_columns, r.table_name) into v_slice using v_from - v_width, v_from;
    v_found := v_found || coalesce(v_slice, '{}');
    v_from := v_from - v_width;
    v_width := v_width * 8;
  end loop;
  return greatest(v_from, v_first);
end;
$$;
comment on function ds_private.asof_lookback(ds_private.dataset_versions, ds_private.dataset_versions, text[], timestamptz, timestamptz) is 'How far back from start_at ds.asof must read the right dataset: start_at when it has no row before; without by, its latest row at or before start_at; with by, a window widened back from start_at (64 right steps, then 8 times wider each time) until every by group of the left rows in [start_at, end_at] has a right row in it, or the right dataset''s first row is reached. Cost: the distinct by values of the left rows, and the right rows of that window; a group the right dataset lacks costs a scan of all its rows before start_at.';

create or replace function ds_private.asof_columns(table_name text) returns table (name text, type text, ord bigint)
language sql stable as $$
  select a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), row_number() over (order by a.attnum)
  from pg_catalog.pg_attribute a
  where a.attrelid = pg_catalog.to_regclass(format('ds_data.%I', table_name)) and a.attnum > 0 and not a.attisdropped and a.attname <> 'ts'
$$;
comment on function ds_private.asof_columns(text) is 'The columns of the typed table ds_data.<table_name> other than ts (row_number included), with their types and ordinals, in table order.';

create or replace function ds_private.jsonb_object_sql(names text[], exprs text[]) returns text
language sql immutable as $$
  -- a function takes at most 100 arguments: chunks of 50 pairs, merged with ||
  select coalesce(string_agg(x.c, ' || ' order by x.n), '''{}''::jsonb') from (
    select (o - 1) / 50 as n, format('jsonb_build_object(%s)', string_agg(format('%L, %s', names[o], exprs[o]), ', ' order by o)) as c
    from generate_subscripts(names, 1) o group by 1) x
$$;
comment on function ds_private.jsonb_object_sql(text[], text[]) is 'SQL of the jsonb object with the keys names and the values of the SQL expressions exprs (jsonb_build_object, in chunks of 50 pairs merged with ||); ''{}'' when names is empty. Builds the object once, where to_jsonb(row) - ''ts'' builds it twice.';

create or replace function ds_private.asof_sql(l ds_private.dataset_versions, r ds_private.dataset_versions, by text[], available text) returns text
language plpgsql stable as $$
declare
  v_types jsonb := ds_private.field_types(l.schema);
  -- the partition: the by fields, a str field led by its hash (an int4 sorts much faster than
  -- text) and compared byte-wise (collate "C": the same groups as any deterministic collation)
  v_by text := (select coalesce(string_agg(case when v_types ->> b = 'str' then format(', hashtext(t.%1$I) as h_%2$s, t.%1$I as g_%2$s', b, o)
                                                else format(', t.%I as g_%s', b, o) end, '' order by o), '') from unnest(by) with ordinality k(b, o));
  v_partition text := (select coalesce('partition by ' || string_agg(case when v_types ->> b = 'str' then format('u.h_%1$s, u.g_%1$s collate "C"', o)
                                                                          else format('u.g_%s', o) end, ', ' order by o), '') from unnest(by) with ordinality k(b, o));
  -- the left rows travel as typed columns c_i (all but ts), the right rows whole
  v_left text := (select string_agg(format(', %%1$s.c_%s', c.ord), '' order by c.ord) from ds_private.asof_columns(l.table_name) c);
  v_left_columns text := (select string_agg(format(', t.%I as c_%s', c.name, c.ord), '' order by c.ord) from ds_private.asof_columns(l.table_name) c);
  v_left_nulls text := (select string_agg(format(', null::%s', c.type), '' order by c.ord) from ds_private.asof_columns(l.table_name) c);
  -- rows of one timestamp in key order (a keyless dataset: row_number order)
  v_left_order text := (select string_agg(format(', m.c_%s', c.ord), '' order by k.o) from unnest(ds_private.table_key(l)) with ordinality k(f, o)
                        join ds_private.asof_columns(l.table_name) c on c.name = k.f);
  -- a keyless dataset's implicit row_number is not part of its rows' data (as in ds.data)
  v_left_json text := (select ds_private.jsonb_object_sql(array_agg(c.name order by c.ord), array_agg(format('s.c_%s', c.ord) order by c.ord))
                       from ds_private.asof_columns(l.table_name) c where cardinality(l.key) > 0 or c.name <> 'row_number');
  v_right_json text := (select ds_private.jsonb_object_sql(array_agg(c.name order by c.ord), array_agg(format('(s.r).%I', c.name) order by c.ord))
                        from ds_private.asof_columns(r.table_name) c where cardinality(r.key) > 0 or c.name <> 'row_number');
  -- right rows of one timestamp in key order (a keyless dataset: row_number order)
  v_right_key text := (select string_agg(format(', t.%I', f), '' order by o) from unnest(ds_private.table_key(r)) with ordinality k(f, o));
  v_right_nulls text := (select string_agg(format(', null::%s as k_%s', c.type, k.o), '' order by k.o) from unnest(ds_private.table_key(r)) with ordinality k(f, o)
                         join ds_private.asof_columns(r.table_name) c on c.name = k.f);
  v_right_order text := (select string_agg(format(', u.k_%s', o), '' order by o) from unnest(ds_private.table_key(r)) with ordinality k(f, o));
  -- the stream is ordered by when rows are known: a left row at its ts, a right row at its
  -- bucket's end ('end') or its ts ('label'); right rows known at once in (ts, key) order
  v_known text := case when available = 'label' then 't.ts' else ds_private.available_at_sql(r, 't') end;
begin
  -- one sort of both inputs (by group, then when known) feeds the running last_of of the
  -- right row; the left rows are sorted back to (ts, key), their jsonb built last
  return format(
    -- $4, the tolerance: a right row older than ts - $4 does not match (null: any age)
    'select s.ts, %1$s, case when s.matched then (s.r).ts end, case when s.matched then %2$s end from ('
    ' select s.*, (s.r).ts >= s.ts - $4 or $4 is null and (s.r).ts is not null as matched from ('
    ' select m.ts%3$s, m.r from ('
    '  select u.ts, u.side%4$s, ds_private.last_of(u.r) over w as r'
    '  from (select t.ts as known, t.ts, 1 as side, null::ds_data.%5$I as r%6$s%7$s%8$s from ds_data.%9$I t where t.ts >= $1 and t.ts <= $2'
    '        union all'
    '        select %10$s, t.ts, 0, t%6$s%11$s%12$s from ds_data.%5$I t where t.ts >= $3 and t.ts <= $2) u'
    '  window w as (%13$s order by u.known, u.side, u.ts%14$s rows unbounded preceding)) m'
    ' where m.side = 1 order by m.ts%15$s) s) s',
    v_left_json, v_right_json, format(v_left, 'm'), format(v_left, 'u'), r.table_name, v_by, v_left_columns,
    v_right_nulls, l.table_name, v_known, v_left_nulls, v_right_key, v_partition, v_right_order, v_left_order);
end;
$$;
comment on function ds_private.asof_sql(ds_private.dataset_versions, ds_private.dataset_versions, text[], text) is 'The statement of ds.asof: left rows of [$1, $2] (typed columns) and right rows of [$3, $2] (whole rows) in one stream, partitioned by the by fields (a str field led by its hash, compared byte-wise) and ordered by (known, right before left, ts, right key), where a left row is known at its ts and a right row at its bucket''s end (available ''end'') or its ts (''label''); the running last_of of the right row is, at each left row, the last right row known at its ts. The left rows are sorted back to (ts, key) and their jsonb built last (jsonb_build_object); a right row older than ts - $4 (the tolerance; null: any age) does not match.';

create or replace function ds.asof(left_dataset text, left_version text, right_dataset text, right_version text,
  start_at timestamptz, end_at timestamptz, by text[] default '{}', available text default 'end', tolerance interval default null)
returns table (ts timestamptz, left_data jsonb, right_ts timestamptz, right_data jsonb)
language plpgsql stable set search_path = pg_catalog, pg_temp as $$
declare
  v_left ds_private.dataset_versions := ds_private.find_version(left_dataset, left_version);
  v_right ds_private.dataset_versions := ds_private.find_version(right_dataset, right_version);
  v_by text[];
begin
  perform ds_private.check_range(start_at, end_at);
  perform ds_private.asof_check_by(v_left, v_right, by);
  perform ds_private.asof_check_available(available);
  v_by := array(select b from unnest(asof.by) with ordinality u(b, o) group by b order by min(o));
  -- a right row is known at most one step after its ts: look back from one step earlier; with
  -- a tolerance, no right row older than start_at - tolerance can match
  return query execute ds_private.asof_sql(v_left, v_right, v_by, available)
    using start_at, end_at, case when tolerance is not null and tolerance >= interval '0' then start_at - tolerance
      else ds_private.asof_lookback(v_left, v_right, v_by, case when available = 'label' then start_at else start_at - v_right.step end, end_at) end,
      tolerance;
end;
$$;
comment on function ds.asof(text, text, text, text, timestamptz, timestamptz, text[], text, interval) is '@behavior -connection +list
As-of join (kdb+ aj): for each row of the left dataset version in [start_at, end_at], in (ts, key) order, the latest row of the right dataset version known at its ts with the same values of the by fields (default none: the latest right row of any key), as (ts, left_data jsonb, right_ts, right_data jsonb); right_ts and right_data are null when there is none. available = ''end'' (the default): a right row is known at the end of its bucket — a 1-minute bar labelled 14:30 at 14:31, a daily NYSE bar at the close (13:00 New York on an early close) — so no left row sees a bar before it is complete; available = ''label'': at its ts (the label-time join, for rows that are instants such as ticks; with bars it looks ahead). tolerance (default null: any age): that latest right row matches only if right_ts >= ts - tolerance (inclusive; pandas merge_asof''s tolerance), else right_ts and right_data are null; a negative tolerance matches nothing. Among right rows known at once the last in (ts, key) order wins; right rows before start_at are found (the read window widens back from start_at, or starts at start_at - tolerance). by values match like GROUP BY (null matches null). One sort of both inputs and a running window aggregate, not one probe per left row. Raises DS001, DS012 (bad range), DS035 (an infinite bound), DS025 (a by field missing from either dataset or of different types, an unknown available).';
