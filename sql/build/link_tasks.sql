-- Linking a build's new tasks to the dependency tasks whose points their windows read,
-- then enqueueing the ones with nothing to wait for. Linear in the number of tasks: the
-- windows come from one set-based call per dependency edge (ds_private.dependency_reaches)
-- and the overlaps from a GiST index on unfinished tasks' points (migration 000015).

create or replace function ds_private.link_tasks(build_id bigint) returns void
language plpgsql volatile as $$
begin
  insert into ds_private.task_edges (task_id, depends_on)
  -- every new task's reach on each of its dependencies, one set-based call per edge
  -- (materialized: computed once, never re-run per joined row), then the dependency's
  -- unfinished tasks whose points it overlaps (tasks_active_points_idx)
  with reaches as materialized (
    select d.depends_on_id, r.id, r.reach
    from ds_private.build_datasets bd
    join ds_private.dependencies d on d.dataset_version_id = bd.dataset_version_id
    cross join lateral (select array_agg(t.id) as ids, array_agg(t.points) as points from ds_private.tasks t
                        where t.build_id = link_tasks.build_id and t.dataset_version_id = d.dataset_version_id) n
    cross join lateral ds_private.dependency_reaches(d, n.ids, n.points) r
    where bd.build_id = link_tasks.build_id and n.ids is not null
  )
  select distinct r.id, dt.id
  from reaches r
  join ds_private.tasks dt on dt.points && r.reach and dt.dataset_version_id = r.depends_on_id
   and dt.state in ('waiting', 'queued', 'running')
  union
  -- the same dataset's unfinished earlier tasks over the same points (a rebuild of stale
  -- keys, or of points invalidated in flight): one after the other, never concurrently
  select t.id, dt.id
  from ds_private.tasks t
  join ds_private.tasks dt on dt.points && t.points and dt.dataset_version_id = t.dataset_version_id and dt.id < t.id
   and dt.state in ('waiting', 'queued', 'running')
  where t.build_id = link_tasks.build_id;

  update ds_private.tasks t set pending = e.n
  from (select e.task_id, count(*)::integer as n from ds_private.task_edges e
        join ds_private.tasks t2 on t2.id = e.task_id where t2.build_id = link_tasks.build_id group by e.task_id) e
  where t.id = e.task_id;

  perform ds_private.enqueue_tasks(array(
    select t.id from ds_private.tasks t where t.build_id = link_tasks.build_id and t.state = 'waiting' and t.pending = 0));
end;
$$;
comment on function ds_private.link_tasks(bigint) is 'Creates the task graph edges of a build''s new tasks and enqueues those that are ready.';

create or replace function ds_private.enqueue_tasks(task_ids bigint[]) returns void
language plpgsql volatile as $$
begin
  if coalesce(cardinality(task_ids), 0) = 0 then
    return;
  end if;
  update ds_private.tasks set state = 'queued' where id = any(task_ids) and state = 'waiting';
  perform graphile_worker.add_jobs(array(
    select row('ds_run_task', json_build_object('task', t.id), null, null, v.max_attempts,
               'ds-task-' || t.id, null, null)::graphile_worker.job_spec
    from ds_private.tasks t join ds_private.dataset_versions v on v.id = t.dataset_version_id
    where t.id = any(task_ids) order by t.id));
end;
$$;
comment on function ds_private.enqueue_tasks(bigint[]) is 'Marks tasks queued and adds one graphile-worker job per task (job key ds-task-<id>).';
