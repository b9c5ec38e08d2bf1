-- Which version of the rule-expansion SQL expanded a calendar's sessions.

create or replace function ds_private.calendar_expansion_fingerprint() returns text
language sql stable parallel safe as $$
  select md5(string_agg(p.oid::regprocedure::text || E'\n' || p.prosrc, E'\n' order by p.oid::regprocedure::text))
  from pg_proc p
  where p.pronamespace = 'ds_private'::regnamespace
    and p.proname in ('expand_calendar', 'calendar_rule_dates', 'calendar_rule_date', 'observe_holiday',
                      'easter_sunday', 'weekday_name', 'weekday_number', 'refresh_calendar_runs')
$$;
comment on function ds_private.calendar_expansion_fingerprint() is 'An md5 of the source of the functions that expand calendar rules into sessions and runs; ds.register_calendar re-expands an unchanged definition when it differs from calendars.expanded_with. A new expansion helper must be added to its list.';
