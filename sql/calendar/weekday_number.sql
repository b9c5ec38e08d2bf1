-- Weekday names of calendar files ('mon' .. 'sun') and ISO weekday numbers (1 .. 7).

create or replace function ds_private.weekday_number(weekday text) returns integer
language sql immutable parallel safe as $$
  select array_position(array['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], weekday)
$$;
comment on function ds_private.weekday_number(text) is 'The ISO weekday number (1 = Monday .. 7 = Sunday) of a weekday name mon .. sun; null for anything else.';

create or replace function ds_private.weekday_name(day date) returns text
language sql immutable parallel safe as $$
  -- 1970-01-05 was a Monday; integer arithmetic is much cheaper than extract (numeric)
  select (array['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])[((day - date '1970-01-05') % 7 + 7) % 7 + 1]
$$;
comment on function ds_private.weekday_name(date) is 'The weekday name (mon .. sun) of a date, as calendar files spell it.';
