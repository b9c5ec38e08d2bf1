-- The calendar points of a granularity in an inclusive range, for people and clients.

create or replace function ds.calendar_points(calendar text, granularity text, start_at timestamptz, end_at timestamptz)
returns setof timestamptz
language plpgsql stable strict parallel safe rows 1000 as $$
declare
  v_calendar ds_private.calendars := ds_private.find_calendar(calendar);
  v_step interval := ds_private.parse_granularity(granularity);
  v_slots tstzmultirange;
begin
  if start_at > end_at then
    raise exception 'start % is after end %', start_at, end_at
      using errcode = 'DS012', detail = format('The range [%s, %s] is empty.', start_at, end_at),
            hint = 'Give a start at or before the end (both are inclusive).';
  end if;
  v_slots := ds_private.calendar_slots(v_calendar.name, v_step, tstzrange(start_at, end_at, '[]'));
  -- counted by arithmetic before a single point is generated
  perform ds_private.check_points(format('ds.calendar_points(%L, %L, %s, %s)', calendar, granularity, start_at, end_at),
                                  ds_private.slot_count(v_slots, v_step));
  return query
    select p
    from unnest(v_slots) as r
    cross join lateral generate_series(lower(r), upper(r) - v_step, v_step) as p
    order by p;
end;
$$;
comment on function ds.calendar_points(text, text, timestamptz, timestamptz) is 'The points of a calendar at a granularity (1s, 5m, 1h, 1d, ...) from start_at to end_at, both inclusive, ascending. Points are grid points aligned to the Unix epoch in UTC: below one day those inside a session (for example 14:30 to 20:59 UTC for nyse at 1m in winter), from one day up midnight UTC of each session date. Raises DS004 (unknown calendar), DS007 (bad granularity), DS012 (start after end), DS033 (more points than ds.max_points, default 1,000,000).';
