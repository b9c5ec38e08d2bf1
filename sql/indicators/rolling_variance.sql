-- Population variance of a sliding window, as TA-Lib's TA_VAR computes it (shared by
-- ds.stddev and ds.bbands).

create or replace function ds_private.rolling_variance(series float8[], period integer) returns float8[]
language plpgsql immutable strict parallel safe as $$
declare
  v_n integer := cardinality(series);
  v_out float8[] := array_fill(null::float8, array[v_n]);
  v_sum float8 := 0;
  v_sum2 float8 := 0;
  v_mean float8;
  v_i integer;
begin
  if v_n < period then
    return v_out;
  end if;
  -- running sums of x and x², the leaving element subtracted after each output;
  -- variance = mean(x²) - mean(x)² (TA-Lib's one-pass formula, not the two-pass one)
  for v_i in 1 .. period - 1 loop
    v_sum := v_sum + series[v_i];
    v_sum2 := v_sum2 + series[v_i] * series[v_i];
  end loop;
  for v_i in period .. v_n loop
    v_sum := v_sum + series[v_i];
    v_sum2 := v_sum2 + series[v_i] * series[v_i];
    v_mean := v_sum / period;
    v_out[v_i] := v_sum2 / period - v_mean * v_mean;
    v_sum := v_sum - series[v_i - period + 1];
    v_sum2 := v_sum2 - series[v_i - period + 1] * series[v_i - period + 1];
  end loop;
  return v_out;
end;
$$;
comment on function ds_private.rolling_variance(float8[], integer) is 'TA-Lib''s VAR: for each element from period on (1-based), mean(x²) - mean(x)² over the last period elements, from running sums (NULL before). May be slightly negative from rounding; callers clamp. Unchecked; callers validate.';

create or replace function ds_private.deviation_from_variance(variance float8) returns float8
language sql immutable parallel safe as $$
  -- TA-Lib: sqrt unless TA_IS_ZERO_OR_NEG(variance), i.e. variance < 1e-14, which gives 0 (not
  -- strict, so that PostgreSQL inlines it into the callers' loops)
  select case when variance < 1e-14::float8 then 0::float8 else sqrt(variance) end
$$;
comment on function ds_private.deviation_from_variance(float8) is 'The standard deviation of a variance the TA-Lib way: 0 when the variance is below 1e-14 (TA_IS_ZERO_OR_NEG, which also absorbs rounding below zero), else its square root.';
