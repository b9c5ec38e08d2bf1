-- Weekday names of calendar files ('mon' .. 'sun') and ISO weekday numbers (1 .. 7).

create or replace function ds_private.weekday_number(weekday text) returns integer
language sql immutable strict parallel safe as $$
  select array_position(array['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], weekday)
$$;
comment on function ds_private.weekday_number(text) is 'The ISO weekday number (1 = Monday .. 7 = Sunday) of a weekday name mon .. sun; null for anything else.';

create or replace function ds_private.weekday_name(day date) returns text
language sql immutable strict parallel safe as $$
  select (array['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])[extract(isodow from day)::integer]
$$;
comment on function ds_private.weekday_name(date) is 'The weekday name (mon .. sun) of a date, as calendar files spell it.';
