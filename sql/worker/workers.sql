-- Live workers and the recovery of work from dead ones. Each worker holds a session
-- advisory lock (7412003, lock_key) on its own connection: when its process dies the
-- lock goes with the connection, so a free lock means a dead worker — no timeouts.

create or replace function ds.register_worker(worker_id uuid, hostname text, pid integer) returns integer
language plpgsql volatile as $$
declare
  v_key integer;
begin
  loop
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
end;
$$;
comment on function ds.register_worker(uuid, text, integer) is '@behavior -*
Worker API: registers a worker process and takes its liveness lock on the calling connection (keep that connection open).';

create or replace function ds.recover_workers() returns integer
language plpgsql volatile as $$
declare
  v_worker ds_private.workers;
  v_count integer := 0;
begin
  for v_worker in select * from ds_private.workers order by id loop
    continue when not pg_try_advisory_xact_lock(7412003, v_worker.lock_key);
    perform graphile_worker.force_unlock_workers(array(
      select distinct t.job_worker from ds_private.tasks t where t.worker_id = v_worker.id and t.job_worker is not null));
    update ds_private.tasks t set state = 'queued'
    where t.worker_id = v_worker.id and t.state = 'running';
    delete from ds_private.workers where id = v_worker.id;
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;
comment on function ds.recover_workers() is '@behavior -*
Worker API: finds workers whose process died (their liveness lock is free), releases their jobs at once and requeues their running tasks; returns how many.';

create or replace function ds.heartbeat_worker(worker_id uuid) returns void
language sql volatile as $$
  update ds_private.workers w set heartbeat_at = now() where w.id = heartbeat_worker.worker_id
$$;
comment on function ds.heartbeat_worker(uuid) is '@behavior -*
Worker API: records that the worker is alive and polling (every 2 s).';
