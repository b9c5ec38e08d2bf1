-- A chunk that failed: retried by graphile-worker until the dataset's max-attempts, then
-- failed for good, which cancels every task that waits on it (transitively).

create or replace function ds.fail_task(task_id bigint, error text, final boolean) returns void
language plpgsql volatile as $$
begin
  if not final then
    update ds_private.tasks t set error = fail_task.error, state = 'queued'
    where t.id = fail_task.task_id and t.state = 'running';
    return;
  end if;
  update ds_private.tasks t set state = 'failed', error = fail_task.error, finished_at = now()
  where t.id = fail_task.task_id and t.state in ('running', 'queued');
  with recursive dependents (id) as (
    select e.task_id from ds_private.task_edges e where e.depends_on = fail_task.task_id
    union
    select e.task_id from ds_private.task_edges e join dependents d on e.depends_on = d.id
  )
  update ds_private.tasks t set state = 'cancelled', finished_at = now(),
    error = format('a dependency failed (task %s)', fail_task.task_id)
  from dependents d where t.id = d.id and t.state = 'waiting';
  perform pg_notify('ds_progress', json_build_object('task', task_id, 'event', 'failed',
    'builds', (select array_agg(bt.build_id) from ds_private.build_tasks bt where bt.task_id = fail_task.task_id))::text);
end;
$$;
comment on function ds.fail_task(bigint, text, boolean) is '@behavior -*
Worker API: records a chunk failure; final failures cancel the tasks that depend on it.';
