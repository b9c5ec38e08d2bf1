-- Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm, Meeus/Jones/Butcher).

create or replace function ds_private.easter_sunday(year integer) returns date
language plpgsql immutable strict parallel safe as $$
declare
  v_a integer := year % 19;
  v_b integer := year / 100;
  v_c integer := year % 100;
  v_d integer := v_b / 4;
  v_e integer := v_b % 4;
  v_f integer := (v_b + 8) / 25;
  v_g integer := (v_b - v_f + 1) / 3;
  v_h integer := (19 * v_a + v_b - v_d - v_g + 15) % 30;
  v_i integer := v_c / 4;
  v_k integer := v_c % 4;
  v_l integer := (32 + 2 * v_e + 2 * v_i - v_h - v_k) % 7;
  v_m integer := (v_a + 11 * v_h + 22 * v_l) / 451;
  v_month integer := (v_h + v_l - 7 * v_m + 114) / 31;
  v_day integer := (v_h + v_l - 7 * v_m + 114) % 31 + 1;
begin
  return make_date(year, v_month, v_day);
end;
$$;
comment on function ds_private.easter_sunday(integer) is 'Easter Sunday of a Gregorian year, for example 2024-03-31 for 2024.';
