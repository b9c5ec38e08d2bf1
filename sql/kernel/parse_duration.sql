-- Durations of the storage settings ([storage] partition and retention): a positive
-- integer and a unit, with or without a space: s, m, h, d, w, mo, y or the words second,
-- minute, hour, day, week, month, year (singular or plural): "30d", "1 month", "2 years".
-- Months and years are calendar months (UTC), the others fixed lengths. Granularities keep
-- their own grammar (parse_granularity: s, m, h, d only), since a calendar grid needs a
-- fixed step.

create or replace function ds_private.parse_duration(duration text) returns interval
language plpgsql immutable strict as $$
declare
  v_match text[] := regexp_match(duration, '^([1-9][0-9]{0,5}) ?(s|m|h|d|w|mo|y|(second|minute|hour|day|week|month|year)s?)$');
  v_n integer;
begin
  if v_match is null then
    raise exception 'invalid duration "%"', duration
      using errcode = 'DS063', detail = 'A duration is a positive integer and a unit: s, m, h, d, w, mo, y, or second, minute, hour, day, week, month, year (plural allowed).',
            hint = 'Use for example "1 month", "1w", "30d" or "2 years".';
  end if;
  v_n := v_match[1]::integer;
  return case coalesce(v_match[3], v_match[2])
    when 's' then make_interval(secs => v_n) when 'second' then make_interval(secs => v_n)
    when 'm' then make_interval(mins => v_n) when 'minute' then make_interval(mins => v_n)
    when 'h' then make_interval(hours => v_n) when 'hour' then make_interval(hours => v_n)
    when 'd' then make_interval(days => v_n) when 'day' then make_interval(days => v_n)
    when 'w' then make_interval(weeks => v_n) when 'week' then make_interval(weeks => v_n)
    when 'mo' then make_interval(months => v_n) when 'month' then make_interval(months => v_n)
    else make_interval(years => v_n) end;
end;
$$;
comment on function ds_private.parse_duration(text) is 'Parses a storage duration ("30d", "1 month", "2 years"; units s, m, h, d, w, mo, y or their words) into an interval (months and years as calendar months); raises DS063 when malformed.';
