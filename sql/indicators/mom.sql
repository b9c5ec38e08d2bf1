-- Momentum, TA-Lib's TA_MOM.

create or replace function ds.mom(series float8[], period integer default 10) returns float8[]
language plpgsql immutable parallel safe as $$
declare
  v_x float8[];
  v_n integer;
  v_out float8[];
  v_i integer;
begin
  perform ds_private.check_indicator_period('ds.mom', 'period', period, 1, 10);
  v_x := ds_private.indicator_series('ds.mom', 'series', series);
  if v_x is null then
    return null;
  end if;
  v_n := cardinality(v_x);
  v_out := array_fill(null::float8, array[v_n]);
  for v_i in period + 1 .. v_n loop
    v_out[v_i] := v_x[v_i] - v_x[v_i - period];
  end loop;
  return v_out;
end;
$$;
comment on function ds.mom(float8[], integer) is '@behavior -*
Momentum (TA-Lib MOM): x - x[i - period]. Output: same length as the input, NULL for the first period elements. period 1 to 100000 (default 10). NULL series gives NULL; DS024 for a bad period or a NULL/NaN/infinite element.';
