-- Moving average convergence/divergence, TA-Lib's TA_MACD (default compatibility).

create or replace function ds.macd(series float8[], fast_period integer default 12, slow_period integer default 26,
                                   signal_period integer default 9)
returns table (macd float8[], signal float8[], hist float8[])
language plpgsql immutable parallel safe as $$
declare
  v_x float8[];
  v_n integer;
  v_fast integer;
  v_slow integer;
  v_first integer;
  v_line float8[];
  v_fast_ema float8[];
  v_slow_ema float8[];
  v_signal float8[];
  v_i integer;
begin
  perform ds_private.check_indicator_period('ds.macd', 'fast_period', fast_period, 2, 12);
  perform ds_private.check_indicator_period('ds.macd', 'slow_period', slow_period, 2, 26);
  perform ds_private.check_indicator_period('ds.macd', 'signal_period', signal_period, 1, 9);
  v_x := ds_private.indicator_series('ds.macd', 'series', series);
  if v_x is not null then
    v_n := cardinality(v_x);
    macd := array_fill(null::float8, array[v_n]);
    signal := macd;
    hist := macd;
    -- TA-Lib swaps the periods when slow < fast
    v_fast := least(fast_period, slow_period);
    v_slow := greatest(fast_period, slow_period);
    v_first := v_slow + signal_period - 1;  -- 1-based: lookback (slow - 1) + (signal - 1)
    if v_n >= v_first then
      -- both EMAs start at element v_slow: the fast one is seeded with the mean of the
      -- v_fast elements ending there, not of the first v_fast elements of the series
      v_slow_ema := ds_private.ema_from(v_x, 1, v_slow);
      v_fast_ema := ds_private.ema_from(v_x, v_slow - v_fast + 1, v_fast);
      v_line := array_fill(null::float8, array[v_n]);
      for v_i in v_slow .. v_n loop
        v_line[v_i] := v_fast_ema[v_i] - v_slow_ema[v_i];
      end loop;
      v_signal := ds_private.ema_from(v_line, v_slow, signal_period);
      for v_i in v_first .. v_n loop
        macd[v_i] := v_line[v_i];
        signal[v_i] := v_signal[v_i];
        hist[v_i] := v_line[v_i] - v_signal[v_i];
      end loop;
    end if;
  end if;
  return next;
end;
$$;
comment on function ds.macd(float8[], integer, integer, integer) is '@behavior -*
MACD (TA-Lib MACD, default compatibility) as one row of three arrays: macd (fast EMA - slow EMA), signal (EMA of the MACD line over signal_period) and hist (macd - signal). Not the naive EMA(fast) - EMA(slow): both EMAs start at element slow_period (1-based), the slow one seeded with the mean of the first slow_period values and the fast one with the mean of the fast_period values ending there; the signal EMA is seeded with the mean of the first signal_period MACD values. All three arrays have the input''s length and are NULL for the first (slow_period - 1) + (signal_period - 1) elements (33 with 12/26/9). fast_period and slow_period 2 to 100000 (swapped when slow < fast, like TA-Lib), signal_period 1 to 100000 (1: signal = macd). Seeded from the first element given (TA-Lib''s unstable period). NULL series gives a row of NULLs; DS024 for bad periods or a NULL/NaN/infinite element.';
