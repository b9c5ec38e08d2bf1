-- Looking up a calendar by name, and the time step of a calendar grid.

create or replace function ds_private.find_calendar(calendar text) returns ds_private.calendars
language plpgsql stable parallel safe as $$
declare
  v_calendar ds_private.calendars;
begin
  select * into v_calendar from ds_private.calendars c where c.name = find_calendar.calendar;
  if v_calendar.name is null then
    raise exception 'unknown calendar "%"', calendar
      using errcode = 'DS004', detail = format('No calendar is named %L.', calendar),
            hint = 'Known calendars: ' || coalesce((select string_agg(c.name, ', ' order by c.name) from ds_private.calendars c), 'none (run ds sync)') || '.';
  end if;
  return v_calendar;
end;
$$;
comment on function ds_private.find_calendar(text) is 'The calendars row of a calendar; raises DS004 (naming the known calendars in its hint) when there is none.';

create or replace function ds_private.calendar_step(step interval) returns interval
language plpgsql immutable parallel safe as $$
begin
  if step is null or extract(epoch from step) <= 0 or extract(year from step) <> 0 or extract(month from step) <> 0 then
    raise exception 'invalid step "%"', step
      using errcode = 'DS007', detail = 'A calendar grid step is a positive interval of days, hours, minutes or seconds.',
            hint = 'Use ds_private.parse_granularity(''5m'') or an interval such as ''5 minutes''.';
  end if;
  return make_interval(secs => extract(epoch from step));
end;
$$;
comment on function ds_private.calendar_step(interval) is 'Checks a grid step (positive, no months or years) and returns it as an exact number of seconds, so that adding it never depends on the session time zone; raises DS007 otherwise.';
