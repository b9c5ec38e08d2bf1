-- The end of a chunk's transaction: coverage, the task's state and the release of
-- dependents commit together with the rows the worker copied in.

create or replace function ds_worker.clear_task_rows(task_id bigint) returns bigint
language plpgsql volatile as $$
declare
  v_table text;
  v_points tstzmultirange;
  v_count bigint;
  v_keys jsonb;
  v_key text[];
  v_version_id integer;
begin
  select v.table_name, t.points, t.keys, v.key, v.id into v_table, v_points, v_keys, v_key, v_version_id
  from ds_private.tasks t join ds_private.dataset_versions v on v.id = t.dataset_version_id
  where t.id = clear_task_rows.task_id;
  -- the partitions of the chunk's points, in the chunk's transaction (docs/storage.md)
  perform ds_private.ensure_partitions(v_version_id, v_points);
  -- a task of some keys (stale points) clears only those keys' rows
  execute format('delete from ds_store.%I t where t.ts >= $1 and t.ts < $2 and t.ts <@ $3%s', v_table,
    case when v_keys is null then '' else ' and ' || ds_private.key_filter_sql(v_table, v_key, 't', '$4') end)
    using lower(v_points), upper(v_points), v_points, v_keys;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
comment on function ds_worker.clear_task_rows(bigint) is 'Worker API: creates the partitions of a task''s points that do not exist yet, and deletes rows left at its points (stale rows after an invalidation; only its keys'' rows for a task of some keys) before it writes its own.';

create or replace function ds_worker.complete_task(task_id bigint, rows_written bigint) returns void
language plpgsql volatile as $$
declare
  v_task ds_private.tasks;
  v_ready bigint[];
begin
  -- the dataset lock first, then the row (planners hold the lock and reference task rows)
  perform ds_private.lock_dataset(t.dataset_version_id) from ds_private.tasks t where t.id = complete_task.task_id;
  select * into v_task from ds_private.tasks t where t.id = complete_task.task_id for no key update;
  if v_task.state is distinct from 'running' then
    raise exception 'task % is %, not running', task_id, coalesce(v_task.state, 'unknown')
      using errcode = 'DS045', detail = 'Another worker finished or cancelled it.', hint = 'Nothing to do: its work is not written twice.';
  end if;
  -- a task of some keys rebuilt stale rows of covered points: coverage does not change; points
  -- invalidated while it ran stay uncovered (the next build recomputes them)
  if v_task.keys is null then
    -- points computed by the registered code are no longer code-stale; a task that ran code
    -- registered before a ds sync changed it leaves its points stale
    update ds_private.dataset_versions
    set coverage = coverage + (v_task.covers - v_task.invalidated),
        code_stale_points = case when v_task.code_hash is not distinct from code_hash then code_stale_points - v_task.covers
                                 else code_stale_points + (v_task.covers - v_task.invalidated) end
    where id = v_task.dataset_version_id;
  end if;
  update ds_private.tasks t set state = 'succeeded', finished_at = clock_timestamp(), rows_written = complete_task.rows_written, error = null
  where t.id = complete_task.task_id;
  with released as (
    update ds_private.tasks t set pending = t.pending - 1
    from ds_private.task_edges e
    where e.depends_on = complete_task.task_id and t.id = e.task_id and t.state = 'waiting'
    returning t.id, t.pending
  )
  select array_agg(id) into v_ready from released where pending = 0;
  perform ds_private.enqueue_tasks(v_ready);
  -- the task's job goes with the chunk's commit: graphile-worker's own completion then
  -- deletes nothing, writes no WAL and needs no flush (one durable commit less per chunk;
  -- its job ids are not ours to know, its key ds-task-<id> is). The jobs table is
  -- graphile-worker 0.18's; without it, graphile-worker completes the job as before.
  if to_regclass('graphile_worker._private_jobs') is not null then
    execute 'delete from graphile_worker._private_jobs j where j.key = $1' using 'ds-task-' || task_id;
  end if;
  -- statistics for the reads that follow a large build (the last chunk of the version)
  if rows_written > 0 then
    perform ds_private.analyze_after_build(task_id);
  end if;
  perform pg_notify('ds_progress', json_build_object('task', task_id, 'event', 'succeeded',
    'builds', (select array_agg(bt.build_id) from ds_private.build_tasks bt where bt.task_id = complete_task.task_id))::text);
  perform pg_notify('ds_data', json_build_object('dataset', v.name, 'version', v.version, 'rows', rows_written,
    'first', lower(v_task.points), 'last', upper(v_task.points) - v.step)::text)
  from ds_private.dataset_versions v where v.id = v_task.dataset_version_id;
end;
$$;
comment on function ds_worker.complete_task(bigint, bigint) is 'Worker API: in the chunk''s transaction, adds the task''s points to coverage (not for a task of some keys, nor points invalidated while it ran), marks it succeeded, enqueues dependents that became ready, analyzes the table after the last chunk of a large build (ds_private.analyze_after_build), and deletes the task''s graphile-worker job with the same commit.';

create or replace function ds_private.key_filter_sql(table_name text, key text[], alias text, keys_sql text) returns text
language sql immutable strict parallel safe as $$
  -- (alias.k1, alias.k2) in (the key objects of keys_sql, a jsonb array, typed like the table)
  select format('(%s) in (select %s from jsonb_populate_recordset(null::ds_data.%I, %s) k)',
    string_agg(format('%I.%I', alias, k), ', ' order by o), string_agg(format('k.%I', k), ', ' order by o), table_name, keys_sql)
  from unnest(key) with ordinality u(k, o)
$$;
comment on function ds_private.key_filter_sql(text, text[], text, text) is 'SQL of a condition: the row alias has one of the keys in keys_sql (a jsonb array of key objects such as {"ticker": "AAPL"}), compared with the types of the dataset table.';
