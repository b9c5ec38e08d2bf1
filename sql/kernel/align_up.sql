-- Aligning a time up to the epoch-aligned grid of a step.

-- Immutable all through (a timestamptz's epoch taken as an interval since the epoch: extract
-- from a timestamptz is only stable), so PostgreSQL inlines it into the calling statement
-- instead of running a small query per call (3 µs each: per point of a chunk's windows).
-- Not strict (a strict function is only inlined when every part of its body is): a null ts
-- or step gives null all the same; ±infinity stays itself.
create or replace function ds_private.align_up(ts timestamptz, step interval) returns timestamptz
language sql immutable parallel safe as $$
  select case when isfinite(ts) then to_timestamp(ceil(extract(epoch from ts - timestamptz 'epoch') / extract(epoch from step)) * extract(epoch from step))
              else ts end
$$;
comment on function ds_private.align_up(timestamptz, interval) is 'The first grid point at or after ts; grids align to the Unix epoch in UTC.';
