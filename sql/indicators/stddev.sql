-- Standard deviation (population), TA-Lib's TA_STDDEV.

create or replace function ds.stddev(series float8[], period integer default 5, nbdev float8 default 1) returns float8[]
language plpgsql immutable parallel safe as $$
declare
  v_x float8[];
  v_variance float8[];
  v_out float8[];
  v_i integer;
begin
  perform ds_private.check_indicator_period('ds.stddev', 'period', period, 2, 5);
  perform ds_private.check_indicator_factor('ds.stddev', 'nbdev', nbdev, 1);
  v_x := ds_private.indicator_series('ds.stddev', 'series', series);
  if v_x is null then
    return null;
  end if;
  v_variance := ds_private.rolling_variance(v_x, period);
  v_out := v_variance;
  for v_i in period .. cardinality(v_x) loop
    v_out[v_i] := ds_private.deviation_from_variance(v_variance[v_i]) * nbdev;
  end loop;
  return v_out;
end;
$$;
comment on function ds.stddev(float8[], integer, float8) is '@behavior -*
Rolling standard deviation (TA-Lib STDDEV): the population standard deviation (divisor period) of the last period values times nbdev, with TA-Lib''s one-pass variance mean(x²) - mean(x)² and its edge rule: 0 when that variance is below 1e-14 (a flat window gives 0). Output: same length as the input, NULL for the first period - 1 elements. period 2 to 100000 (default 5), nbdev finite (default 1). NULL series gives NULL; DS024 for bad parameters or a NULL/NaN/infinite element.';
