-- Deriving calendar_runs (merged open time) from calendar_sessions.

create or replace function ds_private.refresh_calendar_runs(calendar text) returns void
language plpgsql volatile as $$
declare
  v_calendar ds_private.calendars := ds_private.find_calendar(calendar);
  v_sessions tstzmultirange;
  v_days tstzmultirange;
begin
  if v_calendar.kind = 'always-open' then
    v_sessions := tstzmultirange(v_calendar.span);
    v_days := v_sessions;
  else
    select coalesce(range_agg(tstzrange(s.open_at, s.close_at)), '{}'),
           coalesce(range_agg(tstzrange(s.day::timestamp at time zone 'UTC', (s.day + 1)::timestamp at time zone 'UTC')), '{}')
      into v_sessions, v_days
    from ds_private.calendar_sessions s
    where s.calendar = v_calendar.name;
  end if;
  if (v_sessions, v_days) is distinct from (
      (select coalesce(range_agg(tstzrange(r.lower_at, r.upper_at)), '{}') from ds_private.calendar_runs r
       where r.calendar = v_calendar.name and r.grain = 'session'),
      (select coalesce(range_agg(tstzrange(r.lower_at, r.upper_at)), '{}') from ds_private.calendar_runs r
       where r.calendar = v_calendar.name and r.grain = 'day')) then
    delete from ds_private.calendar_runs r where r.calendar = v_calendar.name;
    insert into ds_private.calendar_runs (calendar, grain, lower_at, upper_at)
    select v_calendar.name, g.grain, lower(u.r), upper(u.r)
    from (values ('session', v_sessions), ('day', v_days)) as g (grain, runs)
    cross join lateral unnest(g.runs) as u (r);
  end if;
end;
$$;
comment on function ds_private.refresh_calendar_runs(text) is 'Recomputes the calendar_runs of a calendar from its sessions (always-open: its whole span); writes nothing when they are unchanged.';
