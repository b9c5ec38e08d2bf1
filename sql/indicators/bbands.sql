-- Bollinger bands, TA-Lib's TA_BBANDS with its default MA type (SMA).

create or replace function ds.bbands(series float8[], period integer default 5, nbdevup float8 default 2,
                                     nbdevdn float8 default 2)
returns table (upper float8[], middle float8[], lower float8[])
language plpgsql immutable parallel safe as $$
declare
  v_x float8[];
  v_variance float8[];
  v_deviation float8;
  v_i integer;
begin
  perform ds_private.check_indicator_period('ds.bbands', 'period', period, 2, 5);
  perform ds_private.check_indicator_factor('ds.bbands', 'nbdevup', nbdevup, 2);
  perform ds_private.check_indicator_factor('ds.bbands', 'nbdevdn', nbdevdn, 2);
  v_x := ds_private.indicator_series('ds.bbands', 'series', series);
  if v_x is not null then
    middle := ds_private.sma_from(v_x, 1, period);
    v_variance := ds_private.rolling_variance(v_x, period);
    upper := middle;
    lower := middle;
    for v_i in period .. cardinality(v_x) loop
      v_deviation := ds_private.deviation_from_variance(v_variance[v_i]);
      upper[v_i] := middle[v_i] + v_deviation * nbdevup;
      lower[v_i] := middle[v_i] - v_deviation * nbdevdn;
    end loop;
  end if;
  return next;
end;
$$;
comment on function ds.bbands(float8[], integer, float8, float8) is '@behavior -*
Bollinger bands (TA-Lib BBANDS, SMA middle band, TA-Lib''s default MA type) as one row of three arrays: middle = SMA over period, upper = middle + nbdevup * sd, lower = middle - nbdevdn * sd, where sd is the population standard deviation of the same window (TA-Lib''s one-pass variance, 0 below 1e-14, as ds.stddev). All three have the input''s length and are NULL for the first period - 1 elements. period 2 to 100000 (default 5, TA-Lib 0.7''s), nbdevup and nbdevdn finite (default 2). NULL series gives a row of NULLs; DS024 for bad parameters or a NULL/NaN/infinite element.';
