-- Granularities (1s, 5m, 1h, 1d, ...) as intervals.

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
