-- ds.rebuild: recompute built points (after a change of builder code, README "Code
-- versions"). The built points of the range lose their coverage and their dependents are
-- invalidated exactly as a delete of every key would do (sql/write/invalidate.sql), then an
-- ordinary build plans them again; the rows stay readable until each chunk replaces them.

create or replace function ds.rebuild(dataset text, version text, start_at timestamptz, end_at timestamptz) returns bigint
language plpgsql volatile as $$
declare
  v ds_private.dataset_versions := ds_private.find_version(dataset, version);
  v_points tstzmultirange;
begin
  perform ds_private.check_primary('ds.rebuild');
  perform ds_private.check_range(start_at, end_at);
  -- the locks of the change and of the build that follows, all at once and in id order
  perform ds_private.lock_dataset(c.id)
  from (with recursive below (id) as (
          select v.id
          union
          select d.depends_on_id from ds_private.dependencies d join below on d.dataset_version_id = below.id
        )
        select id from below union select w from ds_private.write_closure(v.id) w) c(id)
  order by c.id;
  select x.coverage * ds_private.version_slots(x.id, tstzmultirange(tstzrange(greatest(rebuild.start_at, x.start_at), rebuild.end_at, '[]')))
    into v_points
  from ds_private.dataset_versions x where x.id = v.id;
  if v.builder <> 'external' and not isempty(v_points) then
    update ds_private.dataset_versions x set coverage = x.coverage - v_points where x.id = v.id;
    perform from ds_private.invalidate_dependents(v.id, array[row(null::jsonb, v_points)::ds_private.key_slots]);
  end if;
  return ds.build(dataset, version, start_at, end_at);
end;
$$;
comment on function ds.rebuild(text, text, timestamptz, timestamptz) is '@behavior -*
Rebuilds a dataset version over [start_at, end_at] (inclusive) even where it is built, for example after its builder code changed (ds.datasets.code_stale): its built points there become missing, their dependents are invalidated as after a delete, and a build (ds.build) recomputes them; returns the build id. Rows stay readable until each chunk replaces them; a cancelled rebuild leaves its points missing. Same errors as ds.build.';
