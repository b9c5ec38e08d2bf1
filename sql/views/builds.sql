-- ds.builds: every build with its state derived from its tasks, so it is never stale.

create or replace view ds.builds as
select b.id, v.name as dataset, v.version, b.start_at, b.end_at,
  case
    when b.cancelled_at is not null then 'cancelled'
    when s.failed > 0 and s.active = 0 then 'failed'
    when s.total = s.succeeded then 'succeeded'
    when s.running > 0 or s.succeeded > 0 or s.failed > 0 then 'running'
    else 'queued'
  end as state,
  (case when s.total_points = 0 then 1 else round(s.done_points::numeric / s.total_points, 4) end)::double precision as progress,
  s.total as tasks, s.succeeded as tasks_succeeded, s.failed as tasks_failed,
  s.total_points as points, s.done_points as points_built, s.rows_written,
  s.error,
  b.created_at,
  s.started_at,
  case when b.cancelled_at is not null then b.cancelled_at
       when s.active = 0 then coalesce(s.finished_at, b.created_at) end as finished_at,
  s.error_code
from ds_private.builds b
join ds_private.dataset_versions v on v.id = b.dataset_version_id
cross join lateral (
  select count(t.id)::integer as total,
         count(t.id) filter (where t.state = 'succeeded')::integer as succeeded,
         count(t.id) filter (where t.state in ('failed', 'cancelled'))::integer as failed,
         count(t.id) filter (where t.state = 'running')::integer as running,
         count(t.id) filter (where t.state in ('waiting', 'queued', 'running'))::integer as active,
         coalesce(sum(t.point_count), 0)::bigint as total_points,
         coalesce(sum(t.point_count) filter (where t.state = 'succeeded'), 0)::bigint as done_points,
         coalesce(sum(t.rows_written), 0)::bigint as rows_written,
         min(t.started_at) as started_at, max(t.finished_at) as finished_at,
         (array_agg(t.error order by t.state <> 'failed', t.finished_at) filter (where t.state in ('failed', 'cancelled')))[1] as error,
         (array_agg(t.error_code order by t.state <> 'failed', t.finished_at) filter (where t.state in ('failed', 'cancelled')))[1] as error_code
  from ds_private.build_tasks bt join ds_private.tasks t on t.id = bt.task_id
  where bt.build_id = b.id
) s;
comment on view ds.builds is 'Every build: requested dataset and range, state (queued, running, succeeded, failed, cancelled), progress from 0 to 1 and the first error. Derived from the build''s tasks, including in-flight tasks of other builds it waits for. A build with a failed chunk stays running until its independent chunks have finished, then is failed.';
comment on column ds.builds.state is 'queued, running, succeeded, failed or cancelled.';
comment on column ds.builds.progress is 'Share of the points of its tasks that are built, 0 to 1.';
comment on column ds.builds.error_code is 'The DS code of the first failure (DS017 invalid rows, DS030 worker died, DS031 builder timed out, DS032 builder crashed, ...), null when it has none.';
comment on column ds.builds.error is 'The first failure: dataset, version, timestamp and message.';
comment on column ds.builds.points is 'Calendar points of the tasks this build created or waits for, across its dependency closure.';
comment on column ds.builds.id is 'Build id, as returned by ds.build.';
comment on column ds.builds.dataset is 'Requested dataset name.';
comment on column ds.builds.version is 'Requested dataset version.';
comment on column ds.builds.start_at is 'Requested start (inclusive), clamped to the dataset''s start date.';
comment on column ds.builds.end_at is 'Requested end (inclusive).';
comment on column ds.builds.tasks is 'Chunks this build created or waits for, across its dependency closure.';
comment on column ds.builds.tasks_succeeded is 'Of those, chunks that succeeded.';
comment on column ds.builds.tasks_failed is 'Of those, chunks that failed or were cancelled.';
comment on column ds.builds.points_built is 'Calendar points of the succeeded chunks.';
comment on column ds.builds.rows_written is 'Rows written by the succeeded chunks.';
comment on column ds.builds.created_at is 'When ds.build was called.';
comment on column ds.builds.started_at is 'When its first chunk started.';
comment on column ds.builds.finished_at is 'When it ended (null while queued or running).';
