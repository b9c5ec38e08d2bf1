-- Cutting work into chunks of `chunk` points, by arithmetic on the ranges (never one row
-- per point): chunk k holds the points of global index [k*chunk, (k+1)*chunk).

create or replace function ds_private.create_tasks(build_id bigint, version_id integer, work tstzmultirange, keys jsonb) returns integer
language plpgsql volatile as $$
declare
  v_count integer;
begin
  with version as (
    -- the calendar's slots over the whole work, once (not once per chunk)
    select v.step, v.chunk::bigint as size, ds_private.version_slots(v.id, tstzmultirange(range_merge(work))) as slots
    from ds_private.dataset_versions v where v.id = version_id and not isempty(work)
  ), ranges as (
    select lower(r) as lo, (extract(epoch from upper(r) - lower(r)) / extract(epoch from version.step))::bigint as n
    from unnest(work) r, version
  ), offsets as (
    select lo, n, coalesce(sum(n) over (order by lo rows between unbounded preceding and 1 preceding), 0)::bigint as c
    from ranges
  ), pieces as (
    select k, tstzrange(lo + version.step * (greatest(k * size, c) - c)::float8,
                        lo + version.step * (least((k + 1) * size, c + n) - c)::float8) as piece,
           least((k + 1) * size, c + n) - greatest(k * size, c) as n
    from offsets, version, generate_series(c / size, (c + n - 1) / size) k
  ), chunks as (
    select range_agg(piece) as points, sum(n)::integer as n from pieces group by k
  ), created as (
    insert into ds_private.tasks (dataset_version_id, build_id, points, covers, point_count, keys)
    select version_id, create_tasks.build_id, points,
           -- coverage also gains the closed time between the chunk's points, so it stays a few ranges
           points + (tstzmultirange(range_merge(points)) - version.slots),
           n, create_tasks.keys
    from chunks, version
    returning id
  )
  insert into ds_private.build_tasks (build_id, task_id)
  select create_tasks.build_id, id from created;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
comment on function ds_private.create_tasks(bigint, integer, tstzmultirange, jsonb) is 'Creates the tasks (chunks of the dataset''s chunk size) of a build for one dataset version, for every key (keys null) or only the given key objects; returns how many.';
