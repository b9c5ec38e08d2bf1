-- The tasks of a build that can run now: what a dry run runs next, in dependency order.

create or replace function ds_worker.ready_tasks(build_id bigint) returns setof bigint
language sql stable as $$
  select t.id from ds_private.tasks t join ds_private.build_tasks bt on bt.task_id = t.id
  where bt.build_id = ready_tasks.build_id and t.state = 'queued'
  order by t.id
$$;
comment on function ds_worker.ready_tasks(bigint) is 'Worker API: the queued tasks of a build (nothing left to wait for), in id order; a dry run (worker/dry-run.ts) runs them, then asks again.';
