-- Aligning a time down to the epoch-aligned grid of a step.

create or replace function ds_private.align_down(ts timestamptz, step interval) returns timestamptz
language sql immutable strict parallel safe as $$
  select to_timestamp(floor(extract(epoch from ts) / extract(epoch from step)) * extract(epoch from step))
$$;
comment on function ds_private.align_down(timestamptz, interval) is 'The last grid point at or before ts; grids align to the Unix epoch in UTC.';
