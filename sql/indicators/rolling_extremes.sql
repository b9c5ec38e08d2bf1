-- The highest high and lowest low of a sliding window, as TA-Lib's STOCH and WILLR track
-- them (the index of each extreme, rescanning the window only when it leaves it).

create or replace function ds_private.rolling_extremes(high float8[], low float8[], period integer)
returns table (highest float8[], lowest float8[])
language plpgsql immutable strict parallel safe as $$
declare
  v_n integer := cardinality(high);
  v_high_at integer := 0;
  v_low_at integer := 0;
  v_start integer;
  v_i integer;
  v_j integer;
begin
  highest := array_fill(null::float8, array[v_n]);
  lowest := highest;
  for v_i in period .. v_n loop
    v_start := v_i - period + 1;
    if v_low_at < v_start then
      v_low_at := v_start;
      for v_j in v_start + 1 .. v_i loop
        if low[v_j] < low[v_low_at] then v_low_at := v_j; end if;
      end loop;
    elsif low[v_i] <= low[v_low_at] then
      v_low_at := v_i;
    end if;
    if v_high_at < v_start then
      v_high_at := v_start;
      for v_j in v_start + 1 .. v_i loop
        if high[v_j] > high[v_high_at] then v_high_at := v_j; end if;
      end loop;
    elsif high[v_i] >= high[v_high_at] then
      v_high_at := v_i;
    end if;
    highest[v_i] := high[v_high_at];
    lowest[v_i] := low[v_low_at];
  end loop;
  return next;
end;
$$;
comment on function ds_private.rolling_extremes(float8[], float8[], integer) is 'For each element i from period on (1-based), the highest high and lowest low of elements i - period + 1 .. i (NULL before); one row of two arrays. Unchecked; callers validate.';
