-- Aligning a time down to the epoch-aligned grid of a step.

-- Inlined by PostgreSQL like ds_private.align_up (date_bin on the UTC wall clock, immutable
-- all through, not strict).
create or replace function ds_private.align_down(ts timestamptz, step interval) returns timestamptz
language sql immutable parallel safe as $$
  select case when isfinite(ts) then date_bin(step, ts at time zone 'UTC', timestamp 'epoch') at time zone 'UTC' else ts end
$$;
comment on function ds_private.align_down(timestamptz, interval) is 'The last grid point at or before ts; grids align to the Unix epoch in UTC.';
