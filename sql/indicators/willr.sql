-- Williams' %R, TA-Lib's TA_WILLR.

create or replace function ds.willr(high float8[], low float8[], close float8[], period integer default 14) returns float8[]
language plpgsql immutable parallel safe as $$
declare
  v_high float8[];
  v_low float8[];
  v_close float8[];
  v_n integer;
  v_out float8[];
  v_highest float8[];
  v_lowest float8[];
  v_diff float8;
  v_i integer;
begin
  perform ds_private.check_indicator_period('ds.willr', 'period', period, 2, 14);
  v_high := ds_private.indicator_series('ds.willr', 'high', high);
  v_low := ds_private.indicator_series('ds.willr', 'low', low);
  v_close := ds_private.indicator_series('ds.willr', 'close', close);
  if v_high is null or v_low is null or v_close is null then
    return null;
  end if;
  perform ds_private.check_indicator_lengths('ds.willr', v_high, v_low, v_close);
  v_n := cardinality(v_close);
  v_out := array_fill(null::float8, array[v_n]);
  if v_n < period then
    return v_out;
  end if;
  select e.highest, e.lowest into v_highest, v_lowest from ds_private.rolling_extremes(v_high, v_low, period) e;
  for v_i in period .. v_n loop
    -- TA-Lib: (highest - close) / ((highest - lowest) / -100), 0 when the range is 0
    v_diff := (v_highest[v_i] - v_lowest[v_i]) / -100;
    v_out[v_i] := case when v_diff <> 0 then (v_highest[v_i] - v_close[v_i]) / v_diff else 0::float8 end;
  end loop;
  return v_out;
end;
$$;
comment on function ds.willr(float8[], float8[], float8[], integer) is '@behavior -*
Williams'' %R (TA-Lib WILLR): -100 * (highest high - close) / (highest high - lowest low) over the last period bars, from -100 to 0, and 0 when that range is 0. Output: same length as the inputs, NULL for the first period - 1 elements. period 2 to 100000 (default 14). high, low and close must have the same length (DS024). Any NULL array gives NULL; DS024 for a bad period or a NULL/NaN/infinite element.';
