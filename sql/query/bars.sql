-- ds.bars: OHLCV bars resampled at query time from an OHLCV or a tick dataset.

create or replace function ds_private.bar_width(v ds_private.dataset_versions, granularity text) returns interval
language plpgsql immutable as $$
declare
  v_width interval := ds_private.parse_granularity(granularity);
  v_seconds numeric := extract(epoch from v_width);
  v_step numeric := extract(epoch from v.step);
begin
  if granularity is null then
    raise exception 'the granularity of the bars is required' using errcode = 'DS007',
      detail = 'granularity is null.', hint = format('Use for example %s, 1h or 1d.', v.granularity);
  elsif v_seconds < v_step then
    raise exception 'bars of % are finer than the granularity % of % %', granularity, v.granularity, v.name, v.version
      using errcode = 'DS007', detail = 'A bar aggregates rows: it cannot be shorter than one step of the dataset.',
            hint = format('Use %s or a multiple of it.', v.granularity);
  elsif v_seconds < 86400 and v_seconds % v_step <> 0 then
    raise exception 'bars of % are not a multiple of the granularity % of % %', granularity, v.granularity, v.name, v.version
      using errcode = 'DS007', detail = 'Below one day a bar holds a whole number of steps of the dataset.',
            hint = format('Use a multiple of %s.', v.granularity);
  elsif v_seconds >= 86400 and v_seconds % 86400 <> 0 then
    raise exception 'bars of % are neither shorter than a day nor whole days', granularity
      using errcode = 'DS007', detail = 'Bars of a day or more group whole calendar sessions.',
            hint = 'Use for example 1d, 5d or 7d.';
  end if;
  return v_width;
end;
$$;
comment on function ds_private.bar_width(ds_private.dataset_versions, text) is 'The width of the bars ds.bars makes of a dataset version: a granularity of at least its step, a multiple of it below one day, whole days from one day up; raises DS007 otherwise.';

create or replace function ds.bars(dataset text, version text, granularity text, start_at timestamptz, end_at timestamptz,
  by text[] default null)
returns table (ts timestamptz, key jsonb, open float8, high float8, low float8, close float8, volume float8, trades bigint)
language plpgsql stable set search_path = pg_catalog, pg_temp as $$
declare
  v ds_private.dataset_versions := ds_private.find_version(dataset, version);
  v_width interval;
  v_cols record;
  v_sql record;
  v_calendar ds_private.calendars;
  v_before timestamptz; -- the calendar point just before start_at: its bucket is incomplete
  v_after timestamptz;  -- the calendar point just after end_at: its bucket is incomplete
  v_days integer;
  v_tz text;
begin
  perform ds_private.check_range(start_at, end_at);
  v_width := ds_private.bar_width(v, granularity);
  v_cols := ds_private.bar_columns(v, by);
  v_sql := ds_private.bar_aggregates(v, v_cols.open_column, v_cols.high_column, v_cols.low_column, v_cols.close_column,
                                     v_cols.volume_column, v_cols.group_columns);
  v_calendar := ds_private.find_calendar(v.calendar);
  v_before := ds_private.nth_point_before(v.calendar, v.step, start_at, 1);
  v_after := ds_private.nth_point_after(v.calendar, v.step, end_at, 1);
  if v_width < interval '1 day' then
    return query execute ds_private.time_bars_sql(v, v_sql.select_list, v_sql.group_list)
      using start_at, end_at, v_width,
            coalesce(date_bin(v_width, v_before, timestamptz 'epoch') + v_width, '-infinity'),
            coalesce(date_bin(v_width, v_after, timestamptz 'epoch'), 'infinity');
  else
    v_days := (extract(epoch from v_width) / 86400)::integer;
    -- sessions of an intraday calendar are dated in its time zone; daily points in UTC
    v_tz := case when v_calendar.kind = 'intraday' and v.step < interval '1 day'
                 then v_calendar.definition -> 'session' ->> 'time-zone' else 'UTC' end;
    return query execute ds_private.session_bars_sql(v, v_calendar.kind = 'always-open', v_sql.select_list, v_sql.group_list)
      using start_at, end_at, v_days, v_tz,
            array(select ds_private.day_bin((p at time zone v_tz)::date, v_days) from unnest(array[v_before, v_after]) p
                  where p is not null),
            v.calendar,
            ds_private.day_bin((start_at at time zone v_tz)::date, v_days),
            ds_private.day_bin((end_at at time zone v_tz)::date, v_days) + v_days - 1;
  end if;
end;
$$;
comment on function ds.bars(text, text, text, timestamptz, timestamptz, text[]) is '@behavior -connection +list
OHLCV bars of granularity (5m, 1h, 1d, 7d, ...) resampled at query time from an OHLCV dataset (fields open, high, low, close, optional volume) or a tick dataset (field price, optional size or volume), per value of the by fields (default: the key fields of type str), as (ts, key jsonb of the by fields, open, high, low, close, volume, trades). open and close are the first and last non-null values in (ts, key) order, high and low the max and min, volume the sum (null without a volume field), trades the number of rows. Bars below one day are epoch-aligned UTC buckets; from one day up they group the calendar''s sessions (1d: one session, 09:30-16:00 New York for nyse) into bins aligned to Monday 2000-01-03, labelled by the open of their first session. Only complete bars are returned: a bar is left out when a calendar point of the dataset inside it lies outside [start_at, end_at]. Empty bars are omitted. Raises DS001, DS007 (bad granularity), DS012 (bad range), DS025 (not an OHLCV or tick dataset, non-numeric price, unknown by field).';
