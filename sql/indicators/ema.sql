-- Exponential moving average, TA-Lib's TA_EMA in its default compatibility (seeded with
-- a simple average). ds_private.ema_from is the core, shared with ds.macd, whose fast EMA
-- starts later than the series so that both of its EMAs start at the same bar.

create or replace function ds_private.ema_from(series float8[], first integer, period integer) returns float8[]
language plpgsql immutable strict parallel safe as $$
declare
  v_n integer := coalesce(cardinality(series), 0);
  v_out float8[] := array_fill(null::float8, array[v_n]);
  v_k float8 := 2::float8 / (period + 1);
  v_prev float8 := 0;
  v_i integer;
begin
  if v_n - first + 1 < period then
    return v_out;
  end if;
  -- TA_INT_EMA: seed = the sum of the first period values divided by period, then
  -- prev = (x - prev) * k + prev, in that order of operations
  for v_i in first .. first + period - 1 loop
    v_prev := v_prev + series[v_i];
  end loop;
  v_prev := v_prev / period;
  v_out[first + period - 1] := v_prev;
  for v_i in first + period .. v_n loop
    v_prev := (series[v_i] - v_prev) * v_k + v_prev;
    v_out[v_i] := v_prev;
  end loop;
  return v_out;
end;
$$;
comment on function ds_private.ema_from(float8[], integer, integer) is 'TA-Lib''s EMA of series[first:] (elements before first are ignored): NULL up to first + period - 2, where the value is the SMA of series[first .. first + period - 1]; then prev + k * (x - prev) with k = 2 / (period + 1). Unchecked; callers validate.';

create or replace function ds.ema(series float8[], period integer default 30) returns float8[]
language plpgsql immutable parallel safe as $$
declare
  v_x float8[];
begin
  perform ds_private.check_indicator_period('ds.ema', 'period', period, 1, 30);
  v_x := ds_private.indicator_series('ds.ema', 'series', series);
  return ds_private.ema_from(v_x, 1, period);
end;
$$;
comment on function ds.ema(float8[], integer) is '@behavior -*
Exponential moving average (TA-Lib EMA, default compatibility): k = 2 / (period + 1); the first value, at element period (1-based), is the SMA of the first period values, then ema = (x - ema) * k + ema. Output: same length as the input, NULL for the first period - 1 elements. Seeded from the first element given, so values depend on where the array starts (TA-Lib''s unstable period): pass enough history before the range you keep. period 1 to 100000 (default 30). NULL series gives NULL; DS024 for a bad period or a NULL/NaN/infinite element.';
