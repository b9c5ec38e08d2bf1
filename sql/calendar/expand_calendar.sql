-- The sessions a calendar definition gives over its years: every listed weekday that no
-- closed rule closes; early-close rules shorten intraday sessions.

create or replace function ds_private.expand_calendar(calendar text, definition jsonb)
returns setof ds_private.calendar_sessions
language sql stable parallel safe as $$
  with params as (
    select coalesce((definition->>'first-year')::integer, 1970) as first_year,
           coalesce((definition->>'last-year')::integer, 2100) as last_year,
           coalesce(definition->'weekdays', '["mon", "tue", "wed", "thu", "fri", "sat", "sun"]') as weekdays,
           definition->'session' as session
  ), closed as (
    select distinct c.day
    from params p, ds_private.calendar_rule_dates(definition->'closed', p.first_year, p.last_year) c
  ), early as (
    select e.day, min(e.name) as name
    from params p, ds_private.calendar_rule_dates(definition->'early-close', p.first_year, p.last_year) e
    group by e.day
  ), days as (
    select make_date(p.first_year, 1, 1) + i as day, p.weekdays, p.session
    from params p, generate_series(0, make_date(p.last_year, 12, 31) - make_date(p.first_year, 1, 1)) as i
  )
  select calendar, d.day,
    case when d.session is null then d.day::timestamp at time zone 'UTC'
         else (d.day + (d.session->>'open')::time) at time zone (d.session->>'time-zone') end,
    case when d.session is null then (d.day + 1)::timestamp at time zone 'UTC'
         else (d.day + case when e.day is null then (d.session->>'close')::time
                            else coalesce(d.session->>'early-close', d.session->>'close')::time end)
              at time zone (d.session->>'time-zone') end,
    e.name
  from days d
  left join early e on e.day = d.day
  where definition->>'kind' <> 'always-open'
    and d.weekdays ? ds_private.weekday_name(d.day)
    and not exists (select from closed c where c.day = d.day)
  order by d.day
$$;
comment on function ds_private.expand_calendar(text, jsonb) is 'The sessions (rows of calendar_sessions) a calendar definition gives from first-year to last-year (default 1970 to 2100): daily sessions are whole UTC days, intraday ones run from open to close (early-close on early-close days) in the session time zone; none for always-open.';
