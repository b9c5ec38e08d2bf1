-- Aligning a time up to the epoch-aligned grid of a step.

create or replace function ds_private.align_up(ts timestamptz, step interval) returns timestamptz
language sql immutable strict parallel safe as $$
  select to_timestamp(ceil(extract(epoch from ts) / extract(epoch from step)) * extract(epoch from step))
$$;
comment on function ds_private.align_up(timestamptz, interval) is 'The first grid point at or after ts; grids align to the Unix epoch in UTC.';
