-- Shared by the built-in transforms (see docs/transforms.md): a step as an SQL interval
-- literal of seconds (interval '300 seconds'), independent of the session's interval
-- style.

create or replace function ds_private.transform_step_sql(step interval) returns text
language sql immutable parallel safe as $$
  select format('interval %L', extract(epoch from step)::bigint || ' seconds')
$$;
comment on function ds_private.transform_step_sql(interval) is 'A step as an SQL interval literal of seconds (interval ''300 seconds''), independent of the session''s interval style.';
