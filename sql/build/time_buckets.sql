-- Overlaps of many ranges with many ranges in linear time, by an equi-join: each range is
-- tagged with the fixed-width time buckets it touches, candidates meet in a hash join on
-- the bucket and the exact overlap is checked on them (ds_private.link_tasks). A GiST
-- index would need btree_gist to hold the dataset too, and the planner cannot see the
-- size of tasks created in the same transaction, so it hash-joins on the dataset alone
-- and compares every pair.

create or replace function ds_private.time_buckets(within tstzrange, width_seconds float8) returns setof bigint
language sql immutable strict parallel safe as $$
  select generate_series(floor(extract(epoch from lower(within)) / width_seconds)::bigint,
                         floor((extract(epoch from upper(within)) - 1e-6) / width_seconds)::bigint)
  where not isempty(within)
$$;
comment on function ds_private.time_buckets(tstzrange, float8) is 'The numbers k of the buckets [k * width, (k + 1) * width) (seconds from the Unix epoch) that a bounded, non-empty range touches; none for an empty one.';
