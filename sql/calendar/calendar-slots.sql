-- THE calendar primitive: the slots [p, p + step) of the calendar points p in a range, as a
-- multirange. Cost follows the number of sessions in the range, never the number of points.

create or replace function ds_private.calendar_slots(calendar text, step interval, within tstzrange)
returns tstzmultirange
language plpgsql stable strict parallel safe as $$
declare
  v_calendar ds_private.calendars := ds_private.find_calendar(calendar);
  v_step interval := ds_private.calendar_step(step);
  v_from timestamptz; -- the first grid point in within
  v_to timestamptz;   -- the grid point after the last one in within
begin
  if isempty(within) then
    return '{}';
  elsif lower_inf(within) or upper_inf(within) then
    raise exception 'unbounded range %', within
      using errcode = 'DS012', detail = 'Calendar slots are computed for a bounded range only.',
            hint = 'Give both a start and an end.';
  end if;
  v_from := case when lower_inc(within) then ds_private.align_up(lower(within), v_step)
                 else ds_private.align_down(lower(within), v_step) + v_step end;
  v_to := case when upper_inc(within) then ds_private.align_down(upper(within), v_step) + v_step
               else ds_private.align_up(upper(within), v_step) end;
  v_from := greatest(v_from, ds_private.align_up(lower(v_calendar.span), v_step));
  v_to := least(v_to, ds_private.align_up(upper(v_calendar.span), v_step));
  if v_from >= v_to then
    return '{}';
  elsif v_calendar.kind = 'always-open' then
    return tstzmultirange(tstzrange(v_from, v_to));
  elsif v_step < interval '1 day' then
    -- sub-daily: the grid points inside each session [open, close)
    return (
      select coalesce(range_agg(tstzrange(w.first_point, w.end_point)), '{}')
      from (
        select greatest(ds_private.align_up(s.open_at, v_step), v_from) as first_point,
               least(ds_private.align_up(s.close_at, v_step), v_to) as end_point
        from ds_private.calendar_sessions s
        where s.calendar = v_calendar.name
          and s.day between (v_from at time zone 'UTC')::date - 1 and (v_to at time zone 'UTC')::date + 1
      ) w
      where w.first_point < w.end_point);
  end if;
  -- daily and coarser: the grid point (if any) on the UTC date of each session date
  return (
    select coalesce(range_agg(tstzrange(w.point, w.point + v_step)), '{}')
    from (
      select ds_private.align_up(s.day::timestamp at time zone 'UTC', v_step) as point, s.day
      from ds_private.calendar_sessions s
      where s.calendar = v_calendar.name
        and s.day between (v_from at time zone 'UTC')::date and (v_to at time zone 'UTC')::date
    ) w
    where w.point >= v_from and w.point < v_to and w.point < (w.day + 1)::timestamp at time zone 'UTC');
end;
$$;
comment on function ds_private.calendar_slots(text, interval, tstzrange) is 'The union of the slots [p, p + step) of every calendar point p of the calendar inside within (its bounds respected), adjacent slots merged. Points are the epoch-aligned grid points of step: below one day those inside a session [open, close); from one day up those whose UTC date is a session date. Cost follows the number of sessions in within. Raises DS004 for an unknown calendar, DS007 for a bad step, DS012 for an unbounded range.';

create or replace function ds_private.slot_count(slots tstzmultirange, step interval) returns bigint
language sql immutable strict parallel safe as $$
  select coalesce(sum(round((extract(epoch from upper(r)) - extract(epoch from lower(r))) / extract(epoch from step))), 0)::bigint
  from unnest(slots) as r
$$;
comment on function ds_private.slot_count(tstzmultirange, interval) is 'The number of calendar points in a multirange of slots of the given step: the sum of (upper - lower) / step over its ranges.';
