-- Whether a task needs no more runs: a worker whose chunk was stopped or found "not
-- running" asks before it lets graphile-worker delete the job. A task taken back
-- (requeued after its worker seemed dead) still needs its job.

create or replace function ds_worker.task_finished(task_id bigint) returns boolean
language sql stable as $$
  select coalesce((select t.state in ('succeeded', 'failed', 'cancelled') from ds_private.tasks t where t.id = task_finished.task_id), true)
$$;
comment on function ds_worker.task_finished(bigint) is 'Worker API: true when the task succeeded, failed or was cancelled (or no longer exists): its job can go; false when it still has to run (queued again, or running elsewhere).';
