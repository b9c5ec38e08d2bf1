-- Aligning a time down to the epoch-aligned grid of a step.

-- Inlined by PostgreSQL like ds_private.align_up (immutable all through, not strict).
create or replace function ds_private.align_down(ts timestamptz, step interval) returns timestamptz
language sql immutable parallel safe as $$
  select case when isfinite(ts) then to_timestamp(floor(extract(epoch from ts - timestamptz 'epoch') / extract(epoch from step)) * extract(epoch from step))
              else ts end
$$;
comment on function ds_private.align_down(timestamptz, interval) is 'The last grid point at or before ts; grids align to the Unix epoch in UTC.';
