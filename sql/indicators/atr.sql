-- Average true range, TA-Lib's TA_ATR (no unstable period).

create or replace function ds.atr(high float8[], low float8[], close float8[], period integer default 14) returns float8[]
language plpgsql immutable parallel safe as $$
declare
  v_high float8[];
  v_low float8[];
  v_close float8[];
  v_n integer;
  v_out float8[];
  v_atr float8 := 0;
  v_range float8;
  v_i integer;
begin
  perform ds_private.check_indicator_period('ds.atr', 'period', period, 1, 14);
  v_high := ds_private.indicator_series('ds.atr', 'high', high);
  v_low := ds_private.indicator_series('ds.atr', 'low', low);
  v_close := ds_private.indicator_series('ds.atr', 'close', close);
  if v_high is null or v_low is null or v_close is null then
    return null;
  end if;
  perform ds_private.check_indicator_lengths('ds.atr', v_high, v_low, v_close);
  v_n := cardinality(v_close);
  v_out := array_fill(null::float8, array[v_n]);
  for v_i in 2 .. v_n loop
    -- true range: the greatest of high - low, |previous close - high|, |previous close - low|
    v_range := greatest(v_high[v_i] - v_low[v_i], abs(v_close[v_i - 1] - v_high[v_i]), abs(v_close[v_i - 1] - v_low[v_i]));
    if v_i <= period + 1 then  -- the first ATR: the mean of the first period true ranges
      v_atr := v_atr + v_range;
      if v_i = period + 1 then
        v_atr := v_atr / period;
        v_out[v_i] := v_atr;
      end if;
    else  -- then Wilder smoothing, as TA-Lib: multiply by period - 1, add, divide by period
      v_atr := v_atr * (period - 1);
      v_atr := v_atr + v_range;
      v_atr := v_atr / period;
      -- C would decay to zero through denormals on a long flat stretch; PostgreSQL raises
      -- an underflow error instead, so flush values that small
      if v_atr < 1e-300::float8 then v_atr := 0; end if;
      v_out[v_i] := v_atr;
    end if;
  end loop;
  return v_out;
end;
$$;
comment on function ds.atr(float8[], float8[], float8[], integer) is '@behavior -*
Average true range (TA-Lib ATR): true range = max(high - low, |previous close - high|, |previous close - low|) from the second bar on; the first ATR, at 0-based index period, is the mean of the first period true ranges (bars 1 .. period), then Wilder smoothing atr = (atr * (period - 1) + tr) / period. period 1 gives the true range (TA-Lib''s TRANGE). Output: same length as the inputs, NULL for the first period elements. Seeded from the first bar given (TA-Lib''s unstable period): pass enough history before the range you keep. period 1 to 100000 (default 14). high, low and close must have the same length (DS024). Any NULL array gives NULL; DS024 for a bad period or a NULL/NaN/infinite element.';
