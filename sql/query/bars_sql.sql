-- The statements of ds.bars: one set-based GROUP BY over the typed table, by epoch-aligned
-- time buckets below one day, by calendar sessions from one day up.

create or replace function ds_private.day_bin(day date, days integer) returns date
language sql immutable strict parallel safe as $$
  select day - (((day - date '2000-01-03') % days) + days) % days
$$;
comment on function ds_private.day_bin(date, integer) is 'The first day of the bin of days days that holds day; bins are aligned to Monday 2000-01-03, so 7-day bins are Monday-to-Sunday weeks.';

create or replace function ds_private.bar_aggregates(v ds_private.dataset_versions, open_column text, high_column text,
  low_column text, close_column text, volume_column text, group_columns text[],
  out select_list text, out group_list text)
language plpgsql immutable as $$
declare
  -- rows of one timestamp are ordered by the key (ticks: seq), as the primary key orders them
  v_order text := 't.ts' || coalesce((select string_agg(format(', t.%I', k), '' order by o) from unnest(v.key) with ordinality u(k, o)), '');
begin
  group_list := coalesce((select string_agg(format(', t.%I', g), '' order by o) from unnest(group_columns) with ordinality u(g, o)), '');
  select_list := format(
    '%s as key, ds_private.first_of(t.%I::float8 order by %s) as open, max(t.%I::float8) as high, '
    'min(t.%I::float8) as low, ds_private.last_of(t.%I::float8 order by %s) as close, %s as volume, count(*) as trades',
    case when cardinality(group_columns) = 0 then '''{}''::jsonb'
         else 'jsonb_build_object(' || (select string_agg(format('%L, t.%I', g, g), ', ' order by o)
                                       from unnest(group_columns) with ordinality u(g, o)) || ')' end,
    open_column, v_order, high_column, low_column, close_column, v_order,
    case when volume_column is null then 'null::float8' else format('sum(t.%I::float8)', volume_column) end);
end;
$$;
comment on function ds_private.bar_aggregates(ds_private.dataset_versions, text, text, text, text, text, text[]) is 'The select list of a bar (key jsonb, open = first non-null, high = max, low = min, close = last non-null in (ts, key) order, volume = sum or null, trades = count of rows) and the GROUP BY suffix of its group columns, for the typed table aliased t.';

create or replace function ds_private.time_bars_sql(v ds_private.dataset_versions, select_list text, group_list text) returns text
language sql immutable as $$
  -- $1 start, $2 end, $3 bucket width, $4 first row of a complete bucket, $5 end of the last one
  select format(
    'select date_bin($3, t.ts, timestamptz ''epoch'') as ts, %s from ds_data.%I t '
    'where t.ts >= $1 and t.ts <= $2 and t.ts >= $4 and t.ts < $5 '
    'group by 1%s order by 1%s', select_list, v.table_name, group_list, group_list)
$$;
comment on function ds_private.time_bars_sql(ds_private.dataset_versions, text, text) is 'The statement of ds.bars below one day: buckets date_bin(width, ts, epoch), rows of [$1, $2] inside [$4, $5).';

create or replace function ds_private.session_bars_sql(v ds_private.dataset_versions, always_open boolean,
  select_list text, group_list text) returns text
language sql immutable as $$
  -- $1 start, $2 end, $3 days per bar, $4 time zone of session dates, $5 bins left out,
  -- $6 calendar, $7 first and $8 last day of the bins of the range
  select format(
    'with s as (select s.day, s.open_at, s.close_at, ds_private.day_bin(s.day, $3) as bin from (%s) s), '
    'b as (select s.bin, min(s.open_at) as label from s group by s.bin) '
    'select b.label as ts, %s from ds_data.%I t '
    'join s on s.day = (t.ts at time zone $4)::date join b on b.bin = s.bin '
    'where t.ts >= $1 and t.ts <= $2 and s.bin <> all ($5)%s '
    'group by b.label%s order by 1%s',
    case when always_open
      then 'select d.day, d.day::timestamp at time zone ''UTC'' as open_at, (d.day + 1)::timestamp at time zone ''UTC'' as close_at '
           'from (select $7 + i as day from generate_series(0, $8 - $7) i) d'
      else 'select c.day, c.open_at, c.close_at from ds_private.calendar_sessions c where c.calendar = $6 and c.day between $7 and $8' end,
    select_list, v.table_name,
    -- points below one day lie inside sessions; daily points are midnight UTC of the date
    case when v.step < interval '1 day' then ' and t.ts >= s.open_at and t.ts < s.close_at' else '' end,
    group_list, group_list)
$$;
comment on function ds_private.session_bars_sql(ds_private.dataset_versions, boolean, text, text) is 'The statement of ds.bars from one day up: rows joined to their calendar session (by session date in the session time zone), sessions grouped into bins of $3 days labelled by the open of their first session.';
