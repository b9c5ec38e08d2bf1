-- The n-th calendar point before or after an instant, found by widening a window
-- geometrically over calendar_slots (never enumerating points).

create or replace function ds_private.nth_point_before(calendar text, step interval, before timestamptz, n integer)
returns timestamptz
language plpgsql stable strict parallel safe as $$
declare
  v_calendar ds_private.calendars := ds_private.find_calendar(calendar);
  v_step interval := ds_private.calendar_step(step);
  v_seconds numeric := extract(epoch from v_step);
  -- first window: twice n steps plus a week (weekends, holidays), then four times wider
  v_width numeric := least(v_seconds * n * 2 + 604800, 1e10);
  v_floor timestamptz := lower(v_calendar.span);
  v_before timestamptz := least(before, upper(v_calendar.span));
  v_from timestamptz;
  v_slots tstzmultirange;
begin
  if n < 1 then
    raise exception 'n must be at least 1, not %', n using errcode = 'DS012',
      detail = 'nth_point_before counts points back from 1 (the latest point before).', hint = 'Pass n >= 1.';
  end if;
  loop
    v_from := greatest(to_timestamp(extract(epoch from v_before) - v_width), v_floor);
    exit when v_from >= v_before;
    v_slots := ds_private.calendar_slots(v_calendar.name, v_step, tstzrange(v_from, v_before, '[)'));
    if ds_private.slot_count(v_slots, v_step) >= n then
      -- walk the ranges from the latest; the n-th point lies in the first that reaches n
      return (
        select to_timestamp(extract(epoch from upper(c.r)) - (n - c.before_r) * v_seconds)
        from (
          select r, coalesce(sum(ds_private.slot_count(tstzmultirange(r), v_step)) over w, 0) as before_r,
                 sum(ds_private.slot_count(tstzmultirange(r), v_step)) over w_incl as through_r
          from unnest(v_slots) as r
          window w as (order by lower(r) desc rows between unbounded preceding and 1 preceding),
                 w_incl as (order by lower(r) desc rows between unbounded preceding and current row)
        ) c
        where c.through_r >= n
        order by lower(c.r) desc
        limit 1);
    end if;
    exit when v_from = v_floor;
    v_width := least(v_width * 4, 1e10); -- 1e10 s (317 years) spans any calendar
  end loop;
  return null;
end;
$$;
comment on function ds_private.nth_point_before(text, interval, timestamptz, integer) is 'The n-th most recent calendar point p < before (n = 1: the latest); null when the calendar has fewer than n points between the start of its span (1970 by default) and before.';

create or replace function ds_private.nth_point_after(calendar text, step interval, after timestamptz, n integer)
returns timestamptz
language plpgsql stable strict parallel safe as $$
declare
  v_calendar ds_private.calendars := ds_private.find_calendar(calendar);
  v_step interval := ds_private.calendar_step(step);
  v_seconds numeric := extract(epoch from v_step);
  v_width numeric := least(v_seconds * n * 2 + 604800, 1e10);
  v_ceiling timestamptz := upper(v_calendar.span);
  v_after timestamptz := greatest(after, lower(v_calendar.span) - interval '1 microsecond');
  v_to timestamptz;
  v_slots tstzmultirange;
begin
  if n < 1 then
    raise exception 'n must be at least 1, not %', n using errcode = 'DS012',
      detail = 'nth_point_after counts points from 1 (the first point after).', hint = 'Pass n >= 1.';
  end if;
  loop
    v_to := least(to_timestamp(extract(epoch from v_after) + v_width), v_ceiling);
    exit when v_to <= v_after;
    v_slots := ds_private.calendar_slots(v_calendar.name, v_step, tstzrange(v_after, v_to, '(]'));
    if ds_private.slot_count(v_slots, v_step) >= n then
      return (
        select to_timestamp(extract(epoch from lower(c.r)) + (n - 1 - c.before_r) * v_seconds)
        from (
          select r, coalesce(sum(ds_private.slot_count(tstzmultirange(r), v_step)) over w, 0) as before_r,
                 sum(ds_private.slot_count(tstzmultirange(r), v_step)) over w_incl as through_r
          from unnest(v_slots) as r
          window w as (order by lower(r) rows between unbounded preceding and 1 preceding),
                 w_incl as (order by lower(r) rows between unbounded preceding and current row)
        ) c
        where c.through_r >= n
        order by lower(c.r)
        limit 1);
    end if;
    exit when v_to = v_ceiling;
    v_width := least(v_width * 4, 1e10); -- 1e10 s (317 years) spans any calendar
  end loop;
  return null;
end;
$$;
comment on function ds_private.nth_point_after(text, interval, timestamptz, integer) is 'The n-th calendar point p > after (n = 1: the first); null when the calendar has fewer than n points between after and the end of its span (2100 by default).';
