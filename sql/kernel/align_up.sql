-- Aligning a time up to the epoch-aligned grid of a step.

-- date_bin on the UTC wall clock (a timestamp without time zone: adding a step of days
-- never meets a DST change), immutable all through, so PostgreSQL inlines it into the
-- calling statement: 0.1 µs a call where the arithmetic on numeric epochs took 0.5–0.9
-- (it runs per point of a chunk's windows). Not strict (a strict function is only inlined
-- when every part of its body is): a null ts or step gives null all the same; ±infinity
-- stays itself. Steps are days, hours, minutes, seconds (date_bin takes no months).
create or replace function ds_private.align_up(ts timestamptz, step interval) returns timestamptz
language sql immutable parallel safe as $$
  select case when isfinite(ts)
              then date_bin(step, (ts at time zone 'UTC') + step - interval '1 microsecond', timestamp 'epoch') at time zone 'UTC'
              else ts end
$$;
comment on function ds_private.align_up(timestamptz, interval) is 'The first grid point at or after ts; grids align to the Unix epoch in UTC.';
