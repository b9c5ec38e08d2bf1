-- Liveness of the workers and depth of the job queue, for GET /health and /metrics.
-- A worker is live while its session advisory lock (7412003, lock_key) is held: the lock
-- goes with its connection when the process dies. A hot standby cannot see the primary's
-- locks: there a worker is live while its heartbeat (every 2 s, replicated) is recent.

create or replace function ds_private.heartbeat_timeout() returns interval
language sql immutable as $$ select interval '10 seconds' $$;
comment on function ds_private.heartbeat_timeout() is 'How old the heartbeat of a live worker may be (5 missed beats of 2 s), where liveness is read from heartbeats: on a hot standby.';

create or replace function ds_server.health(
  out registered_workers integer, out live_workers integer, out last_activity_at timestamptz,
  out last_activity_seconds double precision, out running_chunks integer,
  out queue_depth integer, out queue_ready integer, out queue_locked integer, out queue_failed integer,
  out oldest_ready_seconds double precision)
language plpgsql stable as $$
declare
  v_database oid := (select d.oid from pg_catalog.pg_database d where d.datname = pg_catalog.current_database());
  v_registered_at timestamptz;
  v_standby boolean := pg_catalog.pg_is_in_recovery();
begin
  select count(*)::integer, count(*) filter (where l.alive)::integer, max(w.heartbeat_at) filter (where l.alive)
    into registered_workers, live_workers, v_registered_at
  from ds_private.workers w
  cross join lateral (select case when v_standby then w.heartbeat_at > pg_catalog.clock_timestamp() - ds_private.heartbeat_timeout()
    else exists (
    select from pg_catalog.pg_locks k
    where k.locktype = 'advisory' and k.database = v_database and k.granted
      and k.classid = 7412003::oid and k.objid = w.lock_key::oid and k.objsubid = 2) end as alive) l;
  -- the most recent sign of life: a live worker's heartbeat (every 2 s), a chunk starting or ending
  select greatest(v_registered_at, max(t.started_at), max(t.finished_at)),
         count(*) filter (where t.state = 'running')::integer
    into last_activity_at, running_chunks
  from ds_private.tasks t;
  last_activity_seconds := extract(epoch from pg_catalog.clock_timestamp() - last_activity_at)::double precision;
  select (count(*) filter (where j.locked_at is null and j.attempts < j.max_attempts))::integer,
         (count(*) filter (where j.locked_at is null and j.attempts < j.max_attempts and j.run_at <= pg_catalog.now()))::integer,
         (count(*) filter (where j.locked_at is not null))::integer,
         (count(*) filter (where j.attempts >= j.max_attempts))::integer,
         extract(epoch from pg_catalog.clock_timestamp() - min(j.run_at) filter (
           where j.locked_at is null and j.attempts < j.max_attempts and j.run_at <= pg_catalog.now()))::double precision
    into queue_depth, queue_ready, queue_locked, queue_failed, oldest_ready_seconds
  from graphile_worker.jobs j;
end;
$$;
comment on function ds_server.health() is 'Workers and queue at a glance: registered and live workers (a live one holds its advisory lock; on a hot standby, which cannot see the primary''s locks, its heartbeat is younger than ds_private.heartbeat_timeout()), when a worker last showed life (the heartbeat of a live worker, every 2 s, or a chunk starting or finishing) and how long ago, running chunks, and the graphile-worker queue: jobs waiting (depth), ready now, locked by a worker, failed for good, and the age of the oldest ready job.';
