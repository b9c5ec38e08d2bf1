-- THE calendar primitive: the slots [p, p + step) of the calendar points p in a range, as a
-- multirange. Cost follows the number of sessions in the range, never the number of points.

create or replace function ds_private.calendar_slots(calendar text, step interval, within tstzrange)
returns tstzmultirange
language plpgsql stable strict parallel safe as $$
declare
  v_calendar ds_private.calendars := ds_private.find_calendar(calendar);
  v_step interval := ds_private.calendar_step(step);
  v_seconds float8 := date_part('epoch', v_step);
  -- below a day, points lie inside sessions; from a day up, on the UTC dates of sessions
  v_grain text := case when v_step < interval '1 day' then 'session' else 'day' end;
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
  if v_from >= v_to then
    return '{}';
  end if;
  -- the grid points of a run [lower, upper) fill [align_up(lower), align_up(upper)): run
  -- bounds are whole seconds, so float8 epochs are exact (and much cheaper than numeric)
  return (
    select coalesce(range_agg(tstzrange(
             greatest(to_timestamp(ceil(date_part('epoch', r.lower_at) / v_seconds) * v_seconds), v_from),
             least(to_timestamp(ceil(date_part('epoch', r.upper_at) / v_seconds) * v_seconds), v_to))), '{}')
    from ds_private.calendar_runs r
    where r.calendar = v_calendar.name and r.grain = v_grain
      and r.upper_at > v_from and r.lower_at < v_to
      -- runs are disjoint and sorted: none past the first one that reaches v_to
      and r.upper_at <= coalesce((
        select l.upper_at from ds_private.calendar_runs l
        where l.calendar = v_calendar.name and l.grain = v_grain and l.upper_at >= v_to
        order by l.upper_at limit 1), 'infinity'));
end;
$$;
comment on function ds_private.calendar_slots(text, interval, tstzrange) is 'The union of the slots [p, p + step) of every calendar point p of the calendar inside within (its bounds respected), adjacent slots merged. Points are the epoch-aligned grid points of step: below one day those inside a session [open, close); from one day up those whose UTC date is a session date. Cost follows the number of runs of open time in within (sessions of nyse, weeks of weekday), never the number of points. Raises DS004 for an unknown calendar, DS007 for a bad step, DS012 for an unbounded range.';

create or replace function ds_private.slot_count(slots tstzmultirange, step interval) returns bigint
language sql immutable strict parallel safe as $$
  select coalesce(sum(round((extract(epoch from upper(r)) - extract(epoch from lower(r))) / extract(epoch from step))), 0)::bigint
  from unnest(slots) as r
$$;
comment on function ds_private.slot_count(tstzmultirange, interval) is 'The number of calendar points in a multirange of slots of the given step: the sum of (upper - lower) / step over its ranges.';
