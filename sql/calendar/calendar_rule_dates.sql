-- Expands a list of calendar rules into concrete days over a range of years.

create or replace function ds_private.calendar_rule_dates(rules jsonb, first_year integer, last_year integer)
returns table (day date, name text)
language sql immutable parallel safe as $$
  with nominal as (
    -- rules with a date form, for every year (one either side: observance may cross a new year)
    select r.rule, d.nominal_day
    from jsonb_array_elements(coalesce(rules, '[]')) as r (rule)
    cross join generate_series(first_year - 1, last_year + 1) as y
    cross join lateral (select ds_private.calendar_rule_date(r.rule, y) as nominal_day offset 0) as d
    where not r.rule ? 'dates'
    union all
    -- ad hoc days
    select r.rule, d::date
    from jsonb_array_elements(coalesce(rules, '[]')) as r (rule)
    cross join jsonb_array_elements_text(r.rule->'dates') as d
    where r.rule ? 'dates'
  ), filtered as (
    select n.rule, n.nominal_day, extract(year from n.nominal_day)::integer as y
    from nominal n
    where n.nominal_day is not null
      and (not n.rule ? 'only-on' or n.rule->'only-on' ? ds_private.weekday_name(n.nominal_day))
  )
  select o.day, f.rule->>'name'
  from filtered f
  cross join lateral (select ds_private.observe_holiday(f.nominal_day, f.rule->>'observance') as day) o
  where f.y >= coalesce((f.rule->>'from')::integer, f.y)
    and f.y <= coalesce((f.rule->>'until')::integer, f.y)
    and (not f.rule ? 'years' or f.rule->'years' @> to_jsonb(f.y))
    and o.day between make_date(first_year, 1, 1) and make_date(last_year, 12, 31)
$$;
comment on function ds_private.calendar_rule_dates(jsonb, integer, integer) is 'The days a JSON array of calendar rules gives from first_year to last_year, with the name of the rule: year filters (from, until, years) and only-on apply to the nominal date, observance then moves it. A day may appear once per rule that gives it.';
