-- Live workers and the recovery of work from dead ones. Each worker holds a session
-- advisory lock (7412003, lock_key) on its own connection: when its process dies the
-- lock goes with the connection, so a free lock means a dead worker — no timeouts. A
-- worker whose connection dropped (a database restart) registers again with the same id.

create or replace function ds_worker.register_worker(worker_id uuid, hostname text, pid integer) returns integer
language plpgsql volatile as $$
declare
  v_key integer;
begin
  for i in 1..100 loop
    select w.lock_key into v_key from ds_private.workers w where w.id = register_worker.worker_id;
    if found then
      -- back after a lost connection: take the same lock again (or wait while a recovery
      -- that saw it free finishes; the row is gone afterwards)
      if pg_try_advisory_lock(7412003, v_key) then
        update ds_private.workers w set heartbeat_at = now() where w.id = register_worker.worker_id;
        return v_key;
      end if;
      perform pg_sleep(0.05);
      continue;
    end if;
    v_key := (random() * 2147483646)::integer + 1;
    if pg_try_advisory_lock(7412003, v_key) then
      insert into ds_private.workers (id, lock_key, hostname, pid) values (worker_id, v_key, hostname, pid)
      on conflict do nothing;
      if found then
        return v_key;
      end if;
      perform pg_advisory_unlock(7412003, v_key);
    end if;
  end loop;
  raise exception 'worker % could not take its liveness lock', worker_id using errcode = 'DS046',
    detail = 'Another session holds the lock of this worker id.', hint = 'Start the worker again: it gets a new id.';
end;
$$;
comment on function ds_worker.register_worker(uuid, text, integer) is 'Worker API: registers a worker process (or the same one again after its connection dropped) and takes its liveness lock on the calling connection (keep that connection open).';

create or replace function ds_private.release_worker_tasks(worker_id uuid) returns integer
language plpgsql volatile as $$
declare
  v_task record;
  v_count integer := 0;
begin
  -- its graphile-worker jobs become available at once instead of after the 4-hour lock timeout
  perform graphile_worker.force_unlock_workers(array(
    select distinct t.job_worker from ds_private.tasks t
    where t.worker_id = release_worker_tasks.worker_id and t.job_worker is not null and t.state = 'running'));
  for v_task in
    select t.id, t.attempts, v.max_attempts, v.name, v.version, lower(t.points) as first_point
    from ds_private.tasks t join ds_private.dataset_versions v on v.id = t.dataset_version_id
    where t.worker_id = release_worker_tasks.worker_id and t.state = 'running'
    order by t.id
  loop
    if v_task.attempts >= v_task.max_attempts then
      -- its job has no attempts left either: fail the task, or the build would wait forever
      perform ds_worker.fail_task(v_task.id,
        format('%s %s from %s: the worker died while running this chunk, %s time(s) of max-attempts %s (killed, out of memory, or lost its database connection)',
               v_task.name, v_task.version, to_char(v_task.first_point at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), v_task.attempts, v_task.max_attempts),
        true, 'DS030');
    else
      update ds_private.tasks t set state = 'queued' where t.id = v_task.id;
    end if;
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;
comment on function ds_private.release_worker_tasks(uuid) is 'Gives back the running tasks of a worker that died or restarted its queue: requeued while attempts remain, failed with DS030 once the worker died max-attempts times; unlocks their graphile-worker jobs. Returns how many.';

create or replace function ds_worker.recover_workers() returns integer
language plpgsql volatile as $$
declare
  v_worker ds_private.workers;
  v_count integer := 0;
begin
  for v_worker in select * from ds_private.workers order by id loop
    continue when not pg_try_advisory_xact_lock(7412003, v_worker.lock_key);
    perform ds_private.release_worker_tasks(v_worker.id);
    delete from ds_private.workers where id = v_worker.id;
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;
comment on function ds_worker.recover_workers() is 'Worker API: finds workers whose process died (their liveness lock is free), releases their jobs at once and requeues their running tasks (or fails them with DS030 after max-attempts deaths); returns how many.';

create or replace function ds_worker.restart_worker_queue(worker_id uuid, job_workers text[]) returns integer
language sql volatile as $$
  -- jobs whose outcome the stopped runner could not record (done or not) are unlocked too
  select graphile_worker.force_unlock_workers(job_workers);
  select ds_private.release_worker_tasks(worker_id)
$$;
comment on function ds_worker.restart_worker_queue(uuid, text[]) is 'Worker API: a live worker whose job runner stopped (its database went away) unlocks the jobs of that runner (its graphile-worker worker ids) and gives back the chunks it was running, before it starts a new runner; returns how many chunks.';

create or replace function ds_worker.heartbeat_worker(worker_id uuid, running bigint[] default '{}') returns bigint[]
language plpgsql volatile as $$
begin
  update ds_private.workers w set heartbeat_at = now() where w.id = heartbeat_worker.worker_id;
  if not found then
    return null;  -- not registered (recovered while its connection was down): register again
  end if;
  -- the chunks it runs that were cancelled (or taken over) meanwhile: the worker stops them
  return (select coalesce(array_agg(t.id order by t.id), '{}') from ds_private.tasks t
          where t.id = any (heartbeat_worker.running)
            and (t.state <> 'running' or t.worker_id is distinct from heartbeat_worker.worker_id));
end;
$$;
comment on function ds_worker.heartbeat_worker(uuid, bigint[]) is 'Worker API: records that the worker is alive (every 2 s) and answers which of the chunks it runs are no longer its to run (cancelled, failed, recovered by another worker): it stops them; null when the worker is not registered (another worker recovered it while its liveness connection was down): it registers again.';

create or replace function ds_worker.release_unknown_tasks(worker_id uuid, running bigint[], suspects bigint[]) returns bigint[]
language plpgsql volatile as $$
declare
  v_released bigint[];
begin
  -- a claim (ds_worker.claim_tasks) or a start that committed while its answer was lost (the
  -- server restarted) leaves a task running under a live worker that does not know it: no
  -- one would run it again (recovery is for dead workers). Such tasks are reported at one
  -- heartbeat (suspects) and given back at the next if the worker still does not run them; a
  -- task whose start raced the first report is the worker's by then.
  with released as (
    update ds_private.tasks t set state = 'queued', attempts = greatest(t.attempts - 1, 0)
    where t.id = any (release_unknown_tasks.suspects) and not (t.id = any (release_unknown_tasks.running))
      and t.state = 'running' and t.worker_id = release_unknown_tasks.worker_id
    returning t.id, t.job_worker
  )
  select coalesce(array_agg(r.id order by r.id), '{}') into v_released from released r;
  if cardinality(v_released) > 0 and to_regclass('graphile_worker._private_jobs') is not null then
    execute 'update graphile_worker._private_jobs j set locked_by = null, locked_at = null
             from ds_private.tasks t where t.id = any ($1) and j.key = ''ds-task-'' || t.id and j.locked_by = t.job_worker'
      using v_released;
  end if;
  -- the next suspects: its running tasks it did not report
  return (select coalesce(array_agg(t.id order by t.id), '{}') from ds_private.tasks t
          where t.state = 'running' and t.worker_id = release_unknown_tasks.worker_id
            and not (t.id = any (release_unknown_tasks.running)) and not (t.id = any (v_released)));
end;
$$;
comment on function ds_worker.release_unknown_tasks(uuid, bigint[], bigint[]) is 'Worker API, with each heartbeat: gives back the tasks running under the worker that it reported running neither now (running) nor at the previous heartbeat (suspects, what this function returned then) — a claim or start that committed while its answer was lost — queued again without the attempt, their jobs unlocked; returns the worker''s running tasks it did not report (the next suspects).';
