-- Slow stochastic oscillator, TA-Lib's TA_STOCH with its default MA type (SMA) for both
-- smoothings.

create or replace function ds.stoch(high float8[], low float8[], close float8[], fastk_period integer default 5,
                                    slowk_period integer default 3, slowd_period integer default 3)
returns table (slowk float8[], slowd float8[])
language plpgsql immutable parallel safe as $$
declare
  v_high float8[];
  v_low float8[];
  v_close float8[];
  v_n integer;
  v_first integer;
  v_highest float8[];
  v_lowest float8[];
  v_fastk float8[];
  v_slowk float8[];
  v_diff float8;
  v_i integer;
begin
  perform ds_private.check_indicator_period('ds.stoch', 'fastk_period', fastk_period, 1, 5);
  perform ds_private.check_indicator_period('ds.stoch', 'slowk_period', slowk_period, 1, 3);
  perform ds_private.check_indicator_period('ds.stoch', 'slowd_period', slowd_period, 1, 3);
  v_high := ds_private.indicator_series('ds.stoch', 'high', high);
  v_low := ds_private.indicator_series('ds.stoch', 'low', low);
  v_close := ds_private.indicator_series('ds.stoch', 'close', close);
  if v_high is not null and v_low is not null and v_close is not null then
    perform ds_private.check_indicator_lengths('ds.stoch', v_high, v_low, v_close);
    v_n := cardinality(v_close);
    slowk := array_fill(null::float8, array[v_n]);
    slowd := slowk;
    v_first := fastk_period + slowk_period + slowd_period - 2;  -- 1-based index of the first output
    if v_n >= v_first then
      select e.highest, e.lowest into v_highest, v_lowest from ds_private.rolling_extremes(v_high, v_low, fastk_period) e;
      -- fast %K, TA-Lib's way: (close - lowest) / ((highest - lowest) / 100), 0 when the range is 0
      v_fastk := array_fill(null::float8, array[v_n]);
      for v_i in fastk_period .. v_n loop
        v_diff := (v_highest[v_i] - v_lowest[v_i]) / 100;
        v_fastk[v_i] := case when v_diff <> 0 then (v_close[v_i] - v_lowest[v_i]) / v_diff else 0::float8 end;
      end loop;
      v_slowk := ds_private.sma_from(v_fastk, fastk_period, slowk_period);
      slowd := ds_private.sma_from(v_slowk, fastk_period + slowk_period - 1, slowd_period);
      -- like TA-Lib, slow %K is only given where slow %D is
      for v_i in v_first .. v_n loop
        slowk[v_i] := v_slowk[v_i];
      end loop;
    end if;
  end if;
  return next;
end;
$$;
comment on function ds.stoch(float8[], float8[], float8[], integer, integer, integer) is '@behavior -*
Slow stochastic (TA-Lib STOCH, SMA smoothing, TA-Lib''s default MA type) as one row of two arrays: slowk = SMA over slowk_period of fast %K, slowd = SMA over slowd_period of slowk, where fast %K = 100 * (close - lowest low) / (highest high - lowest low) over the last fastk_period bars, and 0 when that range is 0. Both arrays have the input''s length and are NULL for the first (fastk_period - 1) + (slowk_period - 1) + (slowd_period - 1) elements (8 with 5/3/3); slowk is NULL wherever slowd is, as in TA-Lib. Periods 1 to 100000. high, low and close must have the same length (DS024). Any NULL array gives a row of NULLs; DS024 for bad periods or a NULL/NaN/infinite element.';
