-- Batches of small chunks: a worker whose chunk turned out cheap claims more queued tasks
-- of the same dataset version and runs them in that chunk's transaction, so a batch of
-- small chunks costs one durable commit and one graphile-worker job fetch instead of one
-- each (an empty one-point chunk was worth about a commit). Claimed tasks are started
-- like ds_worker.start_task starts one (running, attempts + 1, this worker) and their
-- jobs are locked by the claiming job runner, so every recovery path applies to them
-- unchanged: a worker that dies gives them back with its running tasks
-- (release_worker_tasks unlocks its job runner's jobs); the batch's commit deletes their
-- jobs (ds_worker.complete_tasks); a batch that fails gives them back unrun
-- (ds_worker.release_tasks) and its first chunk runs alone.

create or replace function ds_worker.claim_tasks(task_id bigint, worker_id uuid, job_worker text, max_tasks integer) returns jsonb
language plpgsql volatile as $$
declare
  v_first ds_private.tasks;
  v_version ds_private.dataset_versions;
  v_keys text[];
  v_task ds_private.tasks;
  v_started text[] := '{}';
  v_specs jsonb := '[]';
begin
  select * into v_first from ds_private.tasks t where t.id = claim_tasks.task_id;
  select * into v_version from ds_private.dataset_versions v where v.id = v_first.dataset_version_id;
  -- only chunks of every key of a TypeScript builder (SQL builders, sources and stale keys run alone)
  if v_first.state is distinct from 'running' or v_first.worker_id is distinct from claim_tasks.worker_id
     or v_first.keys is not null or v_version.builder_sql is not null or v_version.source is not null
     or coalesce(max_tasks, 0) < 1 or to_regclass('graphile_worker._private_jobs') is null then
    return v_specs;
  end if;
  -- lost in a crash, the claims are undone by the recovery of the worker's running tasks
  perform set_config('synchronous_commit', 'off', true);
  -- the jobs of the version's next queued tasks (in time) that no job runner holds (skip locked:
  -- graphile-worker's own fetch does the same, so a job goes to one of them)
  with jobs as (
    select j.id from graphile_worker._private_jobs j
    join ds_private.tasks t on j.key = 'ds-task-' || t.id
    where t.dataset_version_id = v_first.dataset_version_id and t.state = 'queued' and t.keys is null
      and j.is_available and j.run_at <= now()
    order by lower(t.points), t.id
    limit max_tasks
    for update of j skip locked
  ), locked as (
    update graphile_worker._private_jobs j set locked_by = claim_tasks.job_worker, locked_at = now()
    from jobs where j.id = jobs.id
    returning j.key
  )
  select coalesce(array_agg(l.key), '{}') into v_keys from locked l;
  for v_task in
    update ds_private.tasks t
    set state = 'running', attempts = t.attempts + 1, started_at = coalesce(t.started_at, now()),
        worker_id = claim_tasks.worker_id, job_worker = claim_tasks.job_worker, code_hash = v_version.code_hash
    where t.id in (select substr(k, 9)::bigint from unnest(v_keys) k) and t.state = 'queued'
    returning *
  loop
    v_started := v_started || ('ds-task-' || v_task.id);
    v_specs := v_specs || jsonb_build_array(ds_private.task_spec(v_task));
    perform pg_notify('ds_progress', json_build_object('task', v_task.id, 'event', 'started',
      'builds', (select array_agg(bt.build_id) from ds_private.build_tasks bt where bt.task_id = v_task.id))::text);
  end loop;
  -- a task cancelled meanwhile: its job is left to its runner (start_task finds nothing to run)
  update graphile_worker._private_jobs j set locked_by = null, locked_at = null
  where j.key = any (v_keys) and j.key <> all (v_started);
  return (select coalesce(jsonb_agg(s order by s -> 'points' -> 0 -> 0, (s ->> 'task')::bigint), '[]') from jsonb_array_elements(v_specs) s);
end;
$$;
comment on function ds_worker.claim_tasks(bigint, uuid, text, integer) is 'Worker API: for a running task of every key of a TypeScript builder, starts up to max_tasks more queued tasks of its dataset version whose graphile-worker jobs are free, locks those jobs for job_worker, and returns their specs (as ds_worker.start_task does), in time order; [] when there is none or the task cannot be batched. The worker runs them in the first task''s transaction and completes them together (ds_worker.complete_tasks), or gives them back (ds_worker.release_tasks).';

create or replace function ds_worker.release_tasks(task_ids bigint[], job_worker text) returns void
language plpgsql volatile as $$
begin
  perform set_config('synchronous_commit', 'off', true);
  -- given back unrun: the attempt the claim counted is taken back
  update ds_private.tasks t set state = 'queued', attempts = greatest(t.attempts - 1, 0)
  where t.id = any (release_tasks.task_ids) and t.state = 'running' and t.job_worker = release_tasks.job_worker;
  if to_regclass('graphile_worker._private_jobs') is not null then
    update graphile_worker._private_jobs j set locked_by = null, locked_at = null
    where j.key = any (array(select 'ds-task-' || id from unnest(release_tasks.task_ids) id)) and j.locked_by = release_tasks.job_worker;
  end if;
end;
$$;
comment on function ds_worker.release_tasks(bigint[], text) is 'Worker API: gives back tasks that ds_worker.claim_tasks claimed for job_worker and that were not run (their batch failed): queued again without the attempt, their jobs unlocked.';

create or replace function ds_worker.fail_claimed_task(task_id bigint, job_worker text, error text, error_code text, retryable boolean) returns boolean
language plpgsql volatile as $$
declare
  v_job record;
  v_final boolean;
begin
  if to_regclass('graphile_worker._private_jobs') is null then
    raise exception 'task % has no graphile-worker job to fail', task_id using errcode = 'DS045',
      detail = 'Only a task claimed by ds_worker.claim_tasks can fail in its batch.', hint = 'Nothing to do: its work is not written.';
  end if;
  select j.id, j.attempts, j.max_attempts into v_job from graphile_worker._private_jobs j
  where j.key = 'ds-task-' || fail_claimed_task.task_id and j.locked_by = fail_claimed_task.job_worker
  for update;
  if not found then
    raise exception 'task % is not claimed by %', task_id, job_worker using errcode = 'DS045',
      detail = 'Its job is not locked by this job runner.', hint = 'Nothing to do: its work is not written.';
  end if;
  -- this run is one attempt of its job, as if graphile-worker had run it (its backoff too)
  v_final := not retryable or v_job.attempts + 1 >= v_job.max_attempts;
  perform ds_worker.fail_task(task_id, error, v_final, error_code);
  if v_final then
    delete from graphile_worker._private_jobs j where j.id = v_job.id;
  else
    update graphile_worker._private_jobs j
    set attempts = j.attempts + 1, last_error = fail_claimed_task.error, locked_by = null, locked_at = null,
        run_at = greatest(now(), j.run_at) + exp(least(j.attempts + 1, 10)) * interval '1 second'
    where j.id = v_job.id;
  end if;
  return v_final;
end;
$$;
comment on function ds_worker.fail_claimed_task(bigint, text, text, text, boolean) is 'Worker API: records the failure of a task that ds_worker.claim_tasks claimed for job_worker and that failed in its batch, as graphile-worker would for its own job: one attempt more, ds_worker.fail_task, and the job retried after graphile-worker''s backoff (unlocked) or, when final (not retryable or out of attempts), deleted. True when final.';
