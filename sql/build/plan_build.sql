-- Planning a build: walk the dependency closure from the requested dataset down to its
-- roots (a dataset comes after every dependent in the closure), accumulating what each
-- needs; what is neither built nor in flight becomes new tasks, and stale points (rows of
-- some keys outdated, docs/writes.md) become tasks that rebuild those keys only.

create or replace function ds_private.plan_build(build_id bigint, request tstzmultirange) returns void
language plpgsql volatile as $$
declare
  v_target integer := (select b.dataset_version_id from ds_private.builds b where b.id = plan_build.build_id);
  v_row record;
  v_needs tstzmultirange;
  v_work tstzmultirange;
begin
  insert into ds_private.build_datasets (build_id, dataset_version_id, depth)
  with recursive closure (id, depth, path) as (
    select v_target, 0, array[v_target]
    union all
    select d.depends_on_id, c.depth + 1, c.path || d.depends_on_id
    from closure c join ds_private.dependencies d on d.dataset_version_id = c.id
    where d.depends_on_id <> all (c.path)
  )
  select plan_build.build_id, id, max(depth) from closure group by id;

  -- one lock per dataset, always in id order, so concurrent builds never deadlock
  perform ds_private.lock_dataset(bd.dataset_version_id)
  from ds_private.build_datasets bd where bd.build_id = plan_build.build_id order by bd.dataset_version_id;

  update ds_private.build_datasets bd set needs = request
  where bd.build_id = plan_build.build_id and bd.dataset_version_id = v_target;

  for v_row in
    select bd.dataset_version_id as id, v.builder from ds_private.build_datasets bd
    join ds_private.dataset_versions v on v.id = bd.dataset_version_id
    where bd.build_id = plan_build.build_id order by bd.depth, bd.dataset_version_id
  loop
    -- written from outside: never built; its dependents read what is there
    continue when v_row.builder = 'external';
    -- read needs afresh: dependents earlier in the loop widened it
    select bd.needs into v_needs from ds_private.build_datasets bd
    where bd.build_id = plan_build.build_id and bd.dataset_version_id = v_row.id;
    -- in flight: unfinished tasks of every key, less the points invalidated under them
    select ds_private.version_slots(v_row.id, v_needs - v.coverage - coalesce(
             (select range_agg(r) from ds_private.tasks t, unnest(t.points - t.invalidated) r
              where t.dataset_version_id = v_row.id and t.keys is null and t.state in ('waiting', 'queued', 'running')), '{}'))
      into v_work from ds_private.dataset_versions v where v.id = v_row.id;
    -- points over written data that is not covered yet stay missing (unwritten_points.sql)
    v_work := v_work - ds_private.unwritten_points(v_row.id, v_work);
    update ds_private.build_datasets bd set work = v_work
    where bd.build_id = plan_build.build_id and bd.dataset_version_id = v_row.id;

    -- in-flight work of other builds that this one needs: wait for it too
    insert into ds_private.build_tasks (build_id, task_id)
    select plan_build.build_id, t.id from ds_private.tasks t
    where t.dataset_version_id = v_row.id and t.state in ('waiting', 'queued', 'running') and t.points && v_needs
    on conflict do nothing;

    perform ds_private.create_tasks(build_id, v_row.id, v_work, null);
    -- stale points it needs: tasks that rebuild only the stale keys
    v_work := v_work + ds_private.take_stale(build_id, v_row.id, v_needs, v_work);

    -- dependencies need what the points to build read (built or in-flight points read nothing new)
    update ds_private.build_datasets bd
    set needs = bd.needs + ds_private.dependency_window(v_work, d)
    from ds_private.dependencies d
    where d.dataset_version_id = v_row.id and bd.build_id = plan_build.build_id and bd.dataset_version_id = d.depends_on_id
      and not isempty(v_work);
  end loop;

  perform ds_private.link_tasks(build_id);
end;
$$;
comment on function ds_private.plan_build(bigint, tstzmultirange) is 'Plans a build over the requested slots: per dataset of the closure (datasets written from outside excepted), work = needs - coverage - in flight - points over uncovered written data, plus the stale points it needs rebuilt for their keys; creates and links its tasks.';
