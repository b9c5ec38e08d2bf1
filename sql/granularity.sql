-- Granularity: an integer and a unit in s, m, h, d ('1s', '5m', '1h', '1d').

create or replace function ds_private.parse_granularity(granularity text) returns interval
language plpgsql immutable strict as $$
declare
  v_match text[] := regexp_match(granularity, '^([1-9][0-9]{0,5})([smhd])$');
begin
  if v_match is null then
    raise exception 'invalid granularity "%"', granularity
      using errcode = 'DS007', detail = 'A granularity is a positive integer followed by s, m, h or d.',
            hint = 'Use for example 1s, 1m, 5m, 1h or 1d.';
  end if;
  return make_interval(secs => v_match[1]::bigint * case v_match[2]
    when 's' then 1 when 'm' then 60 when 'h' then 3600 else 86400 end);
end;
$$;
comment on function ds_private.parse_granularity(text) is 'Parses a granularity such as 5m into an interval of seconds; raises DS007 when malformed.';

create or replace function ds_private.align_down(ts timestamptz, step interval) returns timestamptz
language sql immutable strict parallel safe as $$
  select to_timestamp(floor(extract(epoch from ts) / extract(epoch from step)) * extract(epoch from step))
$$;
comment on function ds_private.align_down(timestamptz, interval) is 'The last grid point at or before ts; grids align to the Unix epoch in UTC.';

create or replace function ds_private.align_up(ts timestamptz, step interval) returns timestamptz
language sql immutable strict parallel safe as $$
  select to_timestamp(ceil(extract(epoch from ts) / extract(epoch from step)) * extract(epoch from step))
$$;
comment on function ds_private.align_up(timestamptz, interval) is 'The first grid point at or after ts; grids align to the Unix epoch in UTC.';
