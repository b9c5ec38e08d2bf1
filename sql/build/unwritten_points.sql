-- Written data is known only where it is covered (docs/writes.md): the slots that hold
-- written rows plus the ranges the writer declared complete. A point of a dataset built on
-- written data (directly or through other built datasets) whose own slots reach a calendar
-- slot of a written dataset that is not covered is not built: it stays missing until that
-- slot is written or declared complete. Otherwise a minute without rows yet would be built
-- empty and counted complete, and a bucket over it would count only part of the rows that
-- are written later. Lookback windows are not held to this rule (a warm-up reads what is
-- there).

create or replace function ds_private.unwritten_points(version_id integer, points tstzmultirange) returns tstzmultirange
language plpgsql stable as $$
declare
  v_step interval := (select x.step from ds_private.dataset_versions x where x.id = unwritten_points.version_id);
  v_gaps tstzmultirange;
begin
  if points is null or isempty(points) then
    return '{}';
  end if;
  -- the uncovered calendar slots of the written datasets below, inside the points' slots
  with recursive down (id) as (
    select d.depends_on_id from ds_private.dependencies d where d.dataset_version_id = unwritten_points.version_id
    union
    select d.depends_on_id from ds_private.dependencies d join down on d.dataset_version_id = down.id
  )
  select coalesce(range_agg(g), '{}') into v_gaps
  from down join ds_private.dataset_versions w on w.id = down.id and w.builder = 'external',
       unnest(ds_private.version_slots(w.id, points) - w.coverage) g;
  if isempty(v_gaps) then
    return '{}';
  end if;
  return coalesce((select range_agg(tstzrange(ds_private.align_down(lower(g), v_step), ds_private.align_up(upper(g), v_step)))
                   from unnest(v_gaps) g), '{}') * points;
end;
$$;
comment on function ds_private.unwritten_points(integer, tstzmultirange) is 'The slots among points (of a version) whose own time reaches a calendar slot of a written dataset below it (transitively) that is not covered: written data not known yet, so those points are not built.';
