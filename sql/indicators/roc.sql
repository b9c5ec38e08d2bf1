-- Rate of change in percent, TA-Lib's TA_ROC.

create or replace function ds.roc(series float8[], period integer default 10) returns float8[]
language plpgsql immutable parallel safe as $$
declare
  v_x float8[];
  v_n integer;
  v_out float8[];
  v_i integer;
begin
  perform ds_private.check_indicator_period('ds.roc', 'period', period, 1, 10);
  v_x := ds_private.indicator_series('ds.roc', 'series', series);
  if v_x is null then
    return null;
  end if;
  v_n := cardinality(v_x);
  v_out := array_fill(null::float8, array[v_n]);
  for v_i in period + 1 .. v_n loop
    -- TA-Lib: ((x / x[-period]) - 1) * 100, and 0 when x[-period] is 0
    v_out[v_i] := case when v_x[v_i - period] <> 0 then (v_x[v_i] / v_x[v_i - period] - 1) * 100 else 0::float8 end;
  end loop;
  return v_out;
end;
$$;
comment on function ds.roc(float8[], integer) is '@behavior -*
Rate of change in percent (TA-Lib ROC): (x / x[i - period] - 1) * 100, and 0 when x[i - period] is 0 (TA-Lib''s rule). Output: same length as the input, NULL for the first period elements. period 1 to 100000 (default 10). NULL series gives NULL; DS024 for a bad period or a NULL/NaN/infinite element.';
