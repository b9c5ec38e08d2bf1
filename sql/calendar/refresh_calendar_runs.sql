-- Deriving calendar_runs (merged open time) from calendar_sessions.

create or replace function ds_private.refresh_calendar_runs(calendar text) returns void
language plpgsql volatile as $$
declare
  v_calendar ds_private.calendars := ds_private.find_calendar(calendar);
begin
  delete from ds_private.calendar_runs r where r.calendar = v_calendar.name;
  if v_calendar.kind = 'always-open' then
    insert into ds_private.calendar_runs (calendar, grain, lower_at, upper_at)
    select v_calendar.name, g.grain, lower(v_calendar.span), upper(v_calendar.span)
    from (values ('session'), ('day')) as g (grain);
    return;
  end if;
  -- range_agg merges touching ranges: consecutive days, back-to-back sessions
  insert into ds_private.calendar_runs (calendar, grain, lower_at, upper_at)
  select v_calendar.name, 'session', lower(r), upper(r)
  from unnest((select range_agg(tstzrange(s.open_at, s.close_at)) from ds_private.calendar_sessions s
               where s.calendar = v_calendar.name)) as r
  union all
  select v_calendar.name, 'day', lower(r), upper(r)
  from unnest((select range_agg(tstzrange(s.day::timestamp at time zone 'UTC', (s.day + 1)::timestamp at time zone 'UTC'))
               from ds_private.calendar_sessions s where s.calendar = v_calendar.name)) as r;
end;
$$;
comment on function ds_private.refresh_calendar_runs(text) is 'Recomputes the calendar_runs of a calendar from its sessions (always-open: its whole span, one run per grain).';
