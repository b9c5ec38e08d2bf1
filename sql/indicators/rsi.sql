-- Relative strength index, TA-Lib's TA_RSI in its default (classic Wilder, not Metastock)
-- compatibility.

create or replace function ds.rsi(series float8[], period integer default 14) returns float8[]
language plpgsql immutable parallel safe as $$
declare
  v_x float8[];
  v_n integer;
  v_out float8[];
  v_gain float8 := 0;
  v_loss float8 := 0;
  v_change float8;
  v_i integer;
begin
  perform ds_private.check_indicator_period('ds.rsi', 'period', period, 2, 14);
  v_x := ds_private.indicator_series('ds.rsi', 'series', series);
  if v_x is null then
    return null;
  end if;
  v_n := cardinality(v_x);
  v_out := array_fill(null::float8, array[v_n]);
  if v_n <= period then
    return v_out;
  end if;
  -- the first averages: simple means of the first period changes
  for v_i in 2 .. v_n loop
    v_change := v_x[v_i] - v_x[v_i - 1];
    if v_i > period + 1 then  -- Wilder smoothing: (avg * (period - 1) + change) / period
      v_loss := v_loss * (period - 1);
      v_gain := v_gain * (period - 1);
    end if;
    if v_change < 0 then
      v_loss := v_loss - v_change;
    else
      v_gain := v_gain + v_change;
    end if;
    if v_i > period then
      v_loss := v_loss / period;
      v_gain := v_gain / period;
      -- C would let a long decay reach zero through denormals; PostgreSQL raises an
      -- underflow error instead, so flush values that small (no visible effect: see below)
      if v_loss < 1e-300::float8 then v_loss := 0; end if;
      if v_gain < 1e-300::float8 then v_gain := 0; end if;
      -- TA-Lib: 100 * gain / (gain + loss), and 0 when gain + loss is zero (TA_IS_ZERO,
      -- |x| < 1e-14), e.g. on a flat series
      v_out[v_i] := case when v_gain + v_loss < 1e-14::float8 then 0::float8
                         else 100 * (v_gain / (v_gain + v_loss)) end;
    end if;
  end loop;
  return v_out;
end;
$$;
comment on function ds.rsi(float8[], integer) is '@behavior -*
Relative strength index (TA-Lib RSI, classic Wilder): average gain and loss seeded with the simple means of the first period changes, then Wilder-smoothed (avg = (avg * (period - 1) + change) / period); RSI = 100 * gain / (gain + loss), and 0 when gain + loss < 1e-14 (TA-Lib''s TA_IS_ZERO), so a flat series gives 0 (and a strictly rising one 100). Output: same length as the input, NULL for the first period elements (the first value is at 0-based index period). Seeded from the first element given (TA-Lib''s unstable period): pass enough history before the range you keep. period 2 to 100000 (default 14). NULL series gives NULL; DS024 for a bad period or a NULL/NaN/infinite element.';
