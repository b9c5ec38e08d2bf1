-- How far back a wall-clock lookback reaches.

create or replace function ds_private.lookback_span(lookback text) returns interval
language sql immutable strict as $$
  select ds_private.parse_granularity(lookback) - ds_private.parse_granularity('1' || right(lookback, 1))
$$;
comment on function ds_private.lookback_span(text) is 'How far before T a wall-clock lookback reaches: 5d reaches back 4 days, 24h 23 hours (the original''s parse_lookback).';
