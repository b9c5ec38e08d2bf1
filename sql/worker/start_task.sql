-- What the worker asks for when it picks up a job: the task's points and, per dependency,
-- the calendar points its chunk reads (entries), so it can fetch rows in one query each.
-- For a SQL builder ("sql": true) no entries: ds_worker.run_sql_task reads the tables itself.
-- Points travel as slot ranges [lower, upper) in epoch milliseconds with the step: the
-- worker enumerates them (a JSON array of every point cost 1 µs per point here).

create or replace function ds_worker.start_task(task_id bigint, worker_id uuid, job_worker text) returns jsonb
language plpgsql volatile as $$
declare
  v_task ds_private.tasks;
begin
  update ds_private.tasks t
  set state = 'running', attempts = t.attempts + 1, started_at = coalesce(t.started_at, now()),
      worker_id = start_task.worker_id, job_worker = start_task.job_worker,
      code_hash = (select v.code_hash from ds_private.dataset_versions v where v.id = t.dataset_version_id)
  where t.id = start_task.task_id and t.state in ('queued', 'running')
  returning * into v_task;
  if not found then
    return null;  -- cancelled, failed or already done: nothing to run
  end if;
  -- the running state need not wait for the WAL flush: lost in a crash, the task is queued
  -- again (as if the worker had died just before), and its job runs again. Saves one of
  -- a chunk's durable commits (about 3 ms each here), which bounded empty chunks.
  perform set_config('synchronous_commit', 'off', true);
  perform pg_notify('ds_progress', json_build_object('task', task_id, 'event', 'started',
    'builds', (select array_agg(bt.build_id) from ds_private.build_tasks bt where bt.task_id = start_task.task_id))::text);
  return ds_private.task_spec(v_task);
end;
$$;
comment on function ds_worker.start_task(bigint, uuid, text) is 'Worker API: marks a task running and returns what its chunk needs (points, the registered code hash, the keys it rebuilds or null for every key, dependency entries; "sql": true and no entries for a SQL builder, run with ds_worker.run_sql_task); null when there is nothing to run.';

create or replace function ds_private.task_spec(task ds_private.tasks) returns jsonb
language plpgsql stable as $$
declare
  v_task ds_private.tasks := task;
  v_version ds_private.dataset_versions;
begin
  select * into v_version from ds_private.dataset_versions where id = v_task.dataset_version_id;
  return jsonb_build_object(
    'task', v_task.id,
    'attempt', v_task.attempts,
    'dataset', v_version.name,
    'version', v_version.version,
    'table', v_version.table_name,
    'builder', v_version.builder,
    -- the worker refuses the chunk when the code it loaded has another hash (DS065)
    'code_hash', v_task.code_hash,
    'step_ms', extract(epoch from v_version.step) * 1000,
    'schema', v_version.schema,
    'key', to_jsonb(v_version.key),
    'env_vars', v_version.env_vars,
    'max_attempts', v_version.max_attempts,
    -- the builder's deadline over this chunk (config.toml timeout, default 5 minutes)
    'timeout_ms', extract(epoch from coalesce(v_version.timeout, interval '5 minutes')) * 1000,
    'points', ds_private.slot_ranges_ms(v_task.points),
    -- null: every key; else the key objects whose rows the task rebuilds (stale points)
    'keys', v_task.keys,
    -- a SQL builder runs in ds_worker.run_sql_task, which reads its dependencies itself
    'sql', v_version.builder_sql is not null,
    -- a source dataset's [source] table (worker/run-task.ts fetches its rows: sources/)
    'source', v_version.source,
    'dependencies', case when v_version.builder_sql is not null then '[]' else coalesce((
      select jsonb_agg(jsonb_build_object(
        'name', dv.name, 'version', dv.version, 'table', dv.table_name,
        'step_ms', extract(epoch from dv.step) * 1000,
        -- written from outside or fetched (a source's ticks): rows anywhere in a slot, each with its own ts
        'external', dv.builder = 'external' or dv.source is not null,
        -- without key: rows read in row_number order, the implicit column left out
        'keyless', cardinality(dv.key) = 0,
        -- the dependency points the chunk reads, and each point's window among them
        'entries', ds_private.slot_ranges_ms(w.slots),
        'windows', ds_private.point_entry_windows(d, v_task.points, w.slots)
      ) order by dv.name)
      from ds_private.dependencies d join ds_private.dataset_versions dv on dv.id = d.depends_on_id
      cross join lateral (select ds_private.dependency_window(v_task.points, d) as slots) w
      where d.dataset_version_id = v_version.id), '[]') end);
end;
$$;
comment on function ds_private.task_spec(ds_private.tasks) is 'What the worker needs to run a started task (ds_worker.start_task, ds_worker.claim_tasks): its points, the registered code hash, the keys it rebuilds, dependency entries and each point''s window among them (ds_private.point_entry_windows: the worker slices, the rule stays in SQL).';

create or replace function ds_private.slot_ranges_ms(slots tstzmultirange) returns jsonb
language sql immutable strict as $$
  select coalesce(jsonb_agg(jsonb_build_array(
           (extract(epoch from lower(r)) * 1000)::bigint, (extract(epoch from upper(r)) * 1000)::bigint) order by r), '[]')
  from unnest(slots) r
$$;
comment on function ds_private.slot_ranges_ms(tstzmultirange) is 'A slot multirange as [[lower, upper), ...] in epoch milliseconds, for the worker.';
