-- Linking a build's new tasks to the dependency tasks whose points their windows read,
-- then enqueueing the ones with nothing to wait for. Linear in the number of tasks: the
-- windows come from one set-based call per dependency edge (ds_private.dependency_reaches),
-- the overlaps from an equi-join on time buckets (ds_private.time_buckets) of a width of
-- one of the dataset's chunks on its own grid (chunk x step), or of the reaches into it
-- when most are longer.

create or replace function ds_private.link_tasks(build_id bigint) returns void
language plpgsql volatile as $$
begin
  insert into ds_private.task_edges (task_id, depends_on)
  with reaches as materialized (
    -- every new task's reach on each of its dependencies, one set-based call per edge
    -- (materialized: computed once, never re-run per joined row)
    select d.depends_on_id as dataset_version_id, r.id, r.reach, range_merge(r.reach) as hull
    from ds_private.build_datasets bd
    join ds_private.dependencies d on d.dataset_version_id = bd.dataset_version_id
    cross join lateral (select array_agg(t.id) as ids, array_agg(t.points) as points from ds_private.tasks t
                        where t.build_id = link_tasks.build_id and t.dataset_version_id = d.dataset_version_id) n
    cross join lateral ds_private.dependency_reaches(d, n.ids, n.points) r
    where bd.build_id = link_tasks.build_id and n.ids is not null and not isempty(r.reach)
  ), datasets as materialized (
    -- the bucket width of each dataset: one chunk on its grid (chunk x step), or most
    -- reaches into it if longer (a long lookback), so that a reach touches about two
    -- buckets and a bucket holds a few tasks
    select v.id, greatest(extract(epoch from v.step) * v.chunk,
                          (select percentile_disc(0.9) within group (order by extract(epoch from upper(r.hull) - lower(r.hull)))
                           from reaches r where r.dataset_version_id = v.id)) as width
    from ds_private.build_datasets bd join ds_private.dataset_versions v on v.id = bd.dataset_version_id
    where bd.build_id = link_tasks.build_id
  ), reach_buckets as materialized (
    select r.dataset_version_id, r.id, r.reach, b.bucket
    from reaches r join datasets x on x.id = r.dataset_version_id
    cross join lateral ds_private.time_buckets(r.hull, x.width) b(bucket)
  ), unfinished as materialized (
    -- the unfinished tasks (of any build) of the build's datasets, by bucket
    select t.id, t.dataset_version_id, t.points, t.build_id, b.bucket
    from datasets x
    join ds_private.tasks t on t.dataset_version_id = x.id and t.state in ('waiting', 'queued', 'running')
    cross join lateral ds_private.time_buckets(range_merge(t.points), x.width) b(bucket)
  )
  -- the dependency's unfinished tasks whose points a reach overlaps
  select r.id, dt.id
  from reach_buckets r
  join unfinished dt on dt.dataset_version_id = r.dataset_version_id and dt.bucket = r.bucket and dt.points && r.reach
  union
  -- the same dataset's unfinished earlier tasks over the same points (a rebuild of stale
  -- keys, or of points invalidated in flight): one after the other, never concurrently
  select t.id, dt.id
  from unfinished t
  join unfinished dt on dt.dataset_version_id = t.dataset_version_id and dt.bucket = t.bucket and dt.id < t.id
   and dt.points && t.points
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
