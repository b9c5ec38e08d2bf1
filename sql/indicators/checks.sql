-- Validation shared by the technical indicators (ds.sma, ds.rsi, ds.macd, ...). Every
-- problem with a parameter or an input series is DS024 'invalid indicator parameter', with
-- a DETAIL that starts with the function and names the argument, and a HINT. Parameters
-- are checked before the series, so a misconfigured call fails even on an empty chunk.

create or replace function ds_private.raise_indicator_error(fn text, explanation text, fix text) returns void
language plpgsql immutable parallel safe as $$
begin
  raise exception using errcode = 'DS024', message = 'invalid indicator parameter',
    detail = fn || ': ' || explanation, hint = fix;
end;
$$;
comment on function ds_private.raise_indicator_error(text, text, text) is 'Raises DS024 "invalid indicator parameter" with DETAIL "<function>: <explanation>" and the given HINT.';

create or replace function ds_private.check_indicator_period(fn text, name text, value integer, minimum integer, ta_default integer)
returns void
language plpgsql immutable parallel safe as $$
begin
  if value is null or value < minimum or value > 100000 then
    perform ds_private.raise_indicator_error(fn,
      format('%s must be an integer from %s to 100000 (TA-Lib''s range), got %s', name, minimum, coalesce(value::text, 'NULL')),
      format('Pass %s => %s (the TA-Lib default) or another value in that range.', name, ta_default));
  end if;
end;
$$;
comment on function ds_private.check_indicator_period(text, text, integer, integer, integer) is 'Raises DS024 unless minimum <= value <= 100000, TA-Lib''s range for the period parameter of an indicator (minimum 1 or 2 depending on the function); NULL is invalid.';

create or replace function ds_private.check_indicator_factor(fn text, name text, value float8, ta_default float8) returns void
language plpgsql immutable parallel safe as $$
begin
  -- NaN sorts above every number in PostgreSQL, so it fails the between as well
  if value is null or not (value between -3e37 and 3e37) then
    perform ds_private.raise_indicator_error(fn,
      format('%s must be a finite number from -3e37 to 3e37 (TA-Lib''s range), got %s', name, coalesce(value::text, 'NULL')),
      format('Pass %s => %s (the TA-Lib default) or another finite number.', name, ta_default));
  end if;
end;
$$;
comment on function ds_private.check_indicator_factor(text, text, float8, float8) is 'Raises DS024 unless a real parameter of an indicator (a number of standard deviations) is finite and within TA-Lib''s range [-3e37, 3e37]; NULL is invalid.';

create or replace function ds_private.indicator_series(fn text, name text, series float8[]) returns float8[]
language plpgsql immutable parallel safe as $$
declare
  v_position integer;
begin
  if series is null then
    return null;
  end if;
  if array_ndims(series) > 1 then
    perform ds_private.raise_indicator_error(fn,
      format('%s must be a one-dimensional array, got %s dimensions', name, array_ndims(series)),
      'Pass one array of the series in ascending time order, e.g. array_agg(close order by ts).');
  end if;
  -- float8 'NaN' = 'NaN' in PostgreSQL, so array_position finds it like any value
  v_position := least(array_position(series, null), array_position(series, 'NaN'::float8),
                      array_position(series, 'Infinity'::float8), array_position(series, '-Infinity'::float8));
  if v_position is not null then
    perform ds_private.raise_indicator_error(fn,
      format('%s has %s at position %s; indicators need finite values throughout (TA-Lib has no missing values)',
             name, coalesce(series[v_position]::text, 'NULL'), v_position),
      'Remove or fill the missing values before aggregating, e.g. array_agg(close order by ts) filter (where close is not null), or carry the previous value forward.');
  end if;
  if array_lower(series, 1) <> 1 then
    return series[:];  -- a slice is 1-based: outputs then index like the inputs of array_agg
  end if;
  return series;
end;
$$;
comment on function ds_private.indicator_series(text, text, float8[]) is 'An indicator''s input series, checked and 1-based: NULL stays NULL (the indicator then returns NULL); DS024 for a multi-dimensional array or a NULL, NaN or infinite element (naming its position).';

create or replace function ds_private.check_indicator_lengths(fn text, high float8[], low float8[], close float8[]) returns void
language plpgsql immutable parallel safe as $$
begin
  if cardinality(high) <> cardinality(low) or cardinality(high) <> cardinality(close) then
    perform ds_private.raise_indicator_error(fn,
      format('high, low and close must have the same length, got %s, %s and %s elements',
             cardinality(high), cardinality(low), cardinality(close)),
      'Aggregate the three columns over the same rows and order, e.g. array_agg(high order by ts), array_agg(low order by ts), array_agg(close order by ts) in one query.');
  end if;
end;
$$;
comment on function ds_private.check_indicator_lengths(text, float8[], float8[], float8[]) is 'Raises DS024 unless the high, low and close arrays of an indicator have the same number of elements.';
