-- The date a holiday or early-close rule gives in one year, before observance.
-- Rule forms (exactly one): {month, day} a fixed date; {month, weekday, nth} the nth
-- weekday of the month (nth = -1: the last; with day: counted from that day of the
-- month); {easter-offset} days from Easter Sunday. Then offset days are added.

create or replace function ds_private.calendar_rule_date(rule jsonb, year integer) returns date
language plpgsql immutable strict parallel safe cost 10 as $$
declare
  v_month integer := (rule->>'month')::integer;
  v_day integer := (rule->>'day')::integer;
  v_nth integer := (rule->>'nth')::integer;
  v_dow integer := ds_private.weekday_number(rule->>'weekday');
  v_first date;
  v_last date;
  v_date date;
begin
  if rule ? 'easter-offset' then
    v_date := ds_private.easter_sunday(year) + (rule->>'easter-offset')::integer;
  elsif v_month is null then
    return null;
  else
    v_first := make_date(year, v_month, 1);
    v_last := (v_first + interval '1 month')::date - 1;
    if v_dow is null then
      -- a fixed date; February 29 exists in leap years only
      if v_day > extract(day from v_last) then
        return null;
      end if;
      v_date := make_date(year, v_month, v_day);
    elsif v_nth = -1 then
      v_date := v_last - (extract(isodow from v_last)::integer - v_dow + 7) % 7;
    else
      v_first := v_first + coalesce(v_day, 1) - 1;
      v_date := v_first + (v_dow - extract(isodow from v_first)::integer + 7) % 7 + 7 * (v_nth - 1);
      if v_date > v_last then
        return null; -- no fifth such weekday this month
      end if;
    end if;
  end if;
  return v_date + coalesce((rule->>'offset')::integer, 0);
end;
$$;
comment on function ds_private.calendar_rule_date(jsonb, integer) is 'The nominal date of a calendar rule (fixed date, nth or last weekday of a month, or Easter offset, plus offset days) in a year, before observance; null when the rule has no date that year. Ignores the rule''s year filters.';

create or replace function ds_private.observe_holiday(day date, observance text) returns date
language sql immutable parallel safe as $$
  select case coalesce(observance, 'none')
    when 'nearest-weekday' then
      case extract(isodow from day) when 6 then day - 1 when 7 then day + 1 else day end
    when 'sunday-to-monday' then
      case extract(isodow from day) when 7 then day + 1 else day end
    else day
  end
$$;
comment on function ds_private.observe_holiday(date, text) is 'The day a holiday is observed: nearest-weekday moves Saturday to Friday and Sunday to Monday; sunday-to-monday moves only Sunday (a Saturday holiday is not observed on a weekday); none keeps the day.';
