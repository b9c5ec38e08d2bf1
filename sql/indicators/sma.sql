-- Simple moving average, TA-Lib's TA_SMA. ds_private.sma_from is the core, shared with
-- ds.stoch (which smooths %K and %D with it, as TA-Lib's default MA type is SMA).

create or replace function ds_private.sma_from(series float8[], first integer, period integer) returns float8[]
language plpgsql immutable strict parallel safe as $$
declare
  v_n integer := coalesce(cardinality(series), 0);
  v_out float8[] := array_fill(null::float8, array[v_n]);
  v_total float8 := 0;
  v_i integer;
begin
  if v_n - first + 1 < period then
    return v_out;
  end if;
  -- TA_INT_SMA: a running total, the element leaving the window subtracted after each output
  for v_i in first .. first + period - 2 loop
    v_total := v_total + series[v_i];
  end loop;
  for v_i in first + period - 1 .. v_n loop
    v_total := v_total + series[v_i];
    v_out[v_i] := v_total / period;
    v_total := v_total - series[v_i - period + 1];
  end loop;
  return v_out;
end;
$$;
comment on function ds_private.sma_from(float8[], integer, integer) is 'TA-Lib''s SMA of series[first:] (elements before first are ignored): NULL up to first + period - 2, then the mean of the last period elements from a running total. Unchecked; callers validate.';

create or replace function ds.sma(series float8[], period integer default 30) returns float8[]
language plpgsql immutable parallel safe as $$
declare
  v_x float8[];
begin
  perform ds_private.check_indicator_period('ds.sma', 'period', period, 1, 30);
  v_x := ds_private.indicator_series('ds.sma', 'series', series);
  return ds_private.sma_from(v_x, 1, period);
end;
$$;
comment on function ds.sma(float8[], integer) is '@behavior -*
Simple moving average (TA-Lib SMA): the mean of the last period values. Input: the series in ascending time order; output: an array of the same length, NULL for the first period - 1 elements (TA-Lib''s lookback), so unnest(ts_array, result) aligns it. period 1 to 100000 (default 30, TA-Lib''s); 1 returns the input. NULL series gives NULL; DS024 for a bad period or a NULL/NaN/infinite element.';
