-- A chunk that failed: retried by graphile-worker until the dataset's max-attempts, then
-- failed for good, which cancels every task that waits on it (transitively). Tasks of
-- some keys that end so give their points back to ds_private.stale (still outdated).
-- error_code keeps the DS code of the failure (DS017, DS031, ...) apart from its message.

create or replace function ds_worker.fail_task(task_id bigint, error text, final boolean, error_code text default null) returns void
language plpgsql volatile as $$
declare
  v_cancelled bigint[];
begin
  if not final then
    update ds_private.tasks t set error = fail_task.error, error_code = fail_task.error_code, state = 'queued'
    where t.id = fail_task.task_id and t.state = 'running';
    return;
  end if;
  update ds_private.tasks t set state = 'failed', error = fail_task.error, error_code = fail_task.error_code, finished_at = clock_timestamp()
  where t.id = fail_task.task_id and t.state in ('running', 'queued');
  with recursive dependents (id) as (
    select e.task_id from ds_private.task_edges e where e.depends_on = fail_task.task_id
    union
    select e.task_id from ds_private.task_edges e join dependents d on e.depends_on = d.id
  )
  , cancelled as (
    update ds_private.tasks t set state = 'cancelled', finished_at = clock_timestamp(),
      error = format('a dependency failed (task %s)', fail_task.task_id), error_code = fail_task.error_code
    from dependents d where t.id = d.id and t.state = 'waiting'
    returning t.id
  )
  select coalesce(array_agg(c.id), '{}') into v_cancelled from cancelled c;
  perform ds_private.restore_stale(v_cancelled || fail_task.task_id);
  perform pg_notify('ds_progress', json_build_object('task', task_id, 'event', 'failed',
    'builds', (select array_agg(bt.build_id) from ds_private.build_tasks bt where bt.task_id = fail_task.task_id))::text);
end;
$$;
comment on function ds_worker.fail_task(bigint, text, boolean, text) is 'Worker API: records a chunk failure with its message and DS code; final failures cancel the tasks that depend on it.';
