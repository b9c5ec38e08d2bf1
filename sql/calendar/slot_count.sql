-- Counting the points of a multirange of slots [p, p + step) by arithmetic: its cost
-- follows the number of ranges, never the number of points.

create or replace function ds_private.slot_count(slots tstzmultirange, step interval) returns bigint
language sql immutable parallel safe as $$
  select coalesce(sum(round(extract(epoch from upper(r) - lower(r)) / extract(epoch from step)))::bigint, 0)
  from unnest(slots) r
$$;
comment on function ds_private.slot_count(tstzmultirange, interval) is 'The number of points in a multirange of calendar slots [p, p + step), from the ranges'' lengths.';
