-- Lookback of a dependency, as registered: absent (the point itself), a wall-clock window
-- "5d" (an integer > 0 and a unit s, m, h, d: lookback_interval) or a count 5 (the
-- dependency's 5 most recent calendar points up to T: lookback_points).

create or replace function ds_private.parse_lookback(
  lookback jsonb, dataset text, version text, field text,
  out lookback_text text, out lookback_interval interval, out lookback_points integer
)
language plpgsql volatile as $$
begin
  if lookback is null or jsonb_typeof(lookback) = 'null' then
    return;
  end if;
  if jsonb_typeof(lookback) = 'number' and lookback::text ~ '^[1-9][0-9]{0,5}$' then
    lookback_text := lookback::text;
    lookback_points := lookback::text::integer;
  elsif jsonb_typeof(lookback) = 'string' and lookback #>> '{}' ~ '^[1-9][0-9]{0,5}[smhd]$' then
    lookback_text := lookback #>> '{}';
    lookback_interval := ds_private.parse_granularity(lookback_text);
  else
    perform ds_private.raise_definition_error('DS010', format('invalid lookback %s', lookback),
      dataset, version, field,
      'a lookback is a positive integer and a unit s, m, h or d ("5d": a wall-clock window), or a positive integer (5: the 5 most recent points)',
      'Write for example lookback = "5d" or lookback = 5.');
  end if;
end;
$$;
comment on function ds_private.parse_lookback(jsonb, text, text, text) is 'Parses the lookback of a dependency ("5d" or 5) into its text and either an interval or a point count; raises DS010 when invalid.';

-- Window of a dependency: "point" (the default: what a point T reads ends at T, the
-- original builder server's rule) or "bucket" (the points of [T, T + step), widened back by
-- the lookback: reads after T when the dependent is coarser). A built-in transform reads
-- buckets whatever its config says, so it may only say "bucket".
create or replace function ds_private.parse_dependency_window(window_value jsonb, is_transform boolean,
  dataset text, version text, field text)
returns text
language plpgsql volatile as $$
begin
  if window_value is null or jsonb_typeof(window_value) = 'null' then
    return case when is_transform then 'bucket' else 'point' end;
  elsif window_value not in ('"point"', '"bucket"') then
    perform ds_private.raise_definition_error('DS010', format('invalid window %s', window_value),
      dataset, version, field, 'a dependency''s window is "point" (the default: up to and including T) or "bucket" (the bucket [T, T + step) T labels)',
      'Write window = "bucket", or leave window out.');
  elsif is_transform and window_value = '"point"' then
    perform ds_private.raise_definition_error('DS010', 'invalid window "point" for a transform',
      dataset, version, field, 'a built-in transform reads the buckets [T, T + step) of its source: its window is "bucket"',
      'Leave window out (or write window = "bucket").');
  end if;
  return window_value #>> '{}';
end;
$$;
comment on function ds_private.parse_dependency_window(jsonb, boolean, text, text, text) is 'The window of a dependency: "point" (default) or "bucket" (the default, and the only choice, for a transform); raises DS010 otherwise.';
