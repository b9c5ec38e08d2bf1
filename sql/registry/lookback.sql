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
