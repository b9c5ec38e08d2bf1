-- Stale points in a plan (docs/writes.md): a build that needs points whose rows are
-- outdated for some keys (ds_private.stale) rebuilds those keys' rows there. The stale
-- rows it takes become tasks with those keys (and leave the stale table); stale points it
-- rebuilds for every key anyway (work) are simply no longer stale.

create or replace function ds_private.take_stale(build_id bigint, version_id integer, needs tstzmultirange, work tstzmultirange)
returns tstzmultirange
language plpgsql volatile as $$
declare
  v_group record;
  v_taken tstzmultirange := '{}';
begin
  if not exists (select from ds_private.stale s where s.dataset_version_id = version_id) then
    return v_taken;  -- the usual case: nothing stale
  end if;
  if not isempty(work) then
    delete from ds_private.stale s where s.dataset_version_id = version_id and s.points <@ work;
    update ds_private.stale s set points = s.points - work where s.dataset_version_id = version_id and s.points && work;
  end if;
  -- per key, every stale point needed; keys with the same points share tasks
  for v_group in
    select ds_private.version_slots(version_id, k.points) as points, jsonb_agg(k.key order by k.key) as keys
    from (select e.key, range_agg(r) as points
          from ds_private.stale s, jsonb_array_elements(s.keys) e(key), unnest(s.points * needs) r
          where s.dataset_version_id = version_id and s.points && needs
          group by e.key) k
    group by k.points order by 2
  loop
    continue when isempty(v_group.points);
    perform ds_private.create_tasks(build_id, version_id, v_group.points, v_group.keys);
    v_taken := v_taken + v_group.points;
  end loop;
  delete from ds_private.stale s where s.dataset_version_id = version_id and s.points <@ needs;
  update ds_private.stale s set points = s.points - needs where s.dataset_version_id = version_id and s.points && needs;
  return v_taken;
end;
$$;
comment on function ds_private.take_stale(bigint, integer, tstzmultirange, tstzmultirange) is 'Turns the stale points of a version that a build needs into tasks rebuilding only their keys (keys with the same points share tasks), drops stale points that work rebuilds for every key, and returns the points taken.';
