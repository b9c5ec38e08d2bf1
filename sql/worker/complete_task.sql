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

create or replace function ds_worker.complete_tasks(task_ids bigint[], rows_written bigint[]) returns void
language plpgsql volatile as $$
declare
  v_not_running record;
  v_ready bigint[];
  v_last bigint;
begin
  -- the datasets' locks first, in id order, then the rows (planners hold the lock and reference task rows)
  perform ds_private.lock_dataset(l.id)
  from (select distinct t.dataset_version_id as id from ds_private.tasks t where t.id = any (complete_tasks.task_ids)) l order by l.id;
  perform from ds_private.tasks t where t.id = any (complete_tasks.task_ids) order by t.id for no key update;
  select c.id, t.state into v_not_running
  from unnest(complete_tasks.task_ids) c(id) left join ds_private.tasks t on t.id = c.id
  where t.state is distinct from 'running' order by c.id limit 1;
  if found then
    raise exception 'task % is %, not running', v_not_running.id, coalesce(v_not_running.state, 'unknown')
      using errcode = 'DS045', detail = 'Another worker finished or cancelled it.', hint = 'Nothing to do: its work is not written twice.';
  end if;
  -- a task of some keys rebuilt stale rows of covered points: coverage does not change; points
  -- invalidated while they ran stay uncovered (the next build recomputes them). Points computed
  -- by the registered code are no longer code-stale; a task that ran code registered before a
  -- ds sync changed it leaves its points stale (the tasks of a version cover disjoint points:
  -- the order of the tasks does not matter, and stale wins where it could)
  update ds_private.dataset_versions v
  set coverage = v.coverage + c.gained,
      code_stale_points = (v.code_stale_points - c.current) + c.outdated
  from (
    select t.dataset_version_id,
           range_agg(t.covers - t.invalidated) as gained,
           coalesce(range_agg(t.covers) filter (where t.code_hash is not distinct from dv.code_hash), '{}') as current,
           coalesce(range_agg(t.covers - t.invalidated) filter (where t.code_hash is distinct from dv.code_hash), '{}') as outdated
    from ds_private.tasks t join ds_private.dataset_versions dv on dv.id = t.dataset_version_id
    where t.id = any (complete_tasks.task_ids) and t.keys is null
    group by t.dataset_version_id
  ) c
  where v.id = c.dataset_version_id;
  update ds_private.tasks t set state = 'succeeded', finished_at = clock_timestamp(), rows_written = c.rows_written, error = null
  from unnest(complete_tasks.task_ids, complete_tasks.rows_written) c(id, rows_written)
  where t.id = c.id;
  with released as (
    update ds_private.tasks t set pending = t.pending - e.n
    from (select e.task_id, count(*)::integer as n from ds_private.task_edges e
          where e.depends_on = any (complete_tasks.task_ids) group by e.task_id) e
    where t.id = e.task_id and t.state = 'waiting'
    returning t.id, t.pending
  )
  select array_agg(id order by id) into v_ready from released where pending = 0;
  perform ds_private.enqueue_tasks(v_ready);
  -- the tasks' jobs go with the chunks' commit: graphile-worker's own completion then
  -- deletes nothing, writes no WAL and needs no flush (one durable commit less per chunk;
  -- its job ids are not ours to know, its key ds-task-<id> is). The jobs table is
  -- graphile-worker 0.18's; without it, graphile-worker completes the job as before.
  if to_regclass('graphile_worker._private_jobs') is not null then
    execute 'delete from graphile_worker._private_jobs j where j.key = any ($1)'
      using array(select 'ds-task-' || id from unnest(complete_tasks.task_ids) id);
  end if;
  -- statistics for the reads that follow a large build (the last chunk of the version);
  -- every task is succeeded by now, so one check covers them all
  select max(c.id) into v_last from unnest(complete_tasks.task_ids, complete_tasks.rows_written) c(id, rows_written) where c.rows_written > 0;
  if v_last is not null then
    perform ds_private.analyze_after_build(v_last);
  end if;
end;
$$;
comment on function ds_worker.complete_tasks(bigint[], bigint[]) is 'Worker API: in the transaction of a chunk (or of a batch of chunks of one dataset version) that wrote rows_written[i] rows for task_ids[i], adds each task''s points to coverage (not for a task of some keys, nor points invalidated while it ran), marks it succeeded, enqueues dependents that became ready, deletes the tasks'' graphile-worker jobs with the same commit and analyzes the table after the last chunk of a large build (ds_private.analyze_after_build). Sends no notification: the worker calls ds_worker.notify_completed after the commit. DS045 when a task is no longer running.';

create or replace function ds_worker.complete_task(task_id bigint, rows_written bigint) returns void
language plpgsql volatile as $$
begin
  perform ds_worker.complete_tasks(array[task_id], array[rows_written]);
  perform ds_private.notify_completed(array[task_id], array[rows_written]);
end;
$$;
comment on function ds_worker.complete_task(bigint, bigint) is 'Worker API: ds_worker.complete_tasks for one task, and its notifications (ds_progress, ds_data) with the same commit.';

create or replace function ds_private.key_filter_sql(table_name text, key text[], alias text, keys_sql text) returns text
language sql immutable strict parallel safe as $$
  -- (alias.k1, alias.k2) in (the key objects of keys_sql, a jsonb array, typed like the table)
  select format('(%s) in (select %s from jsonb_populate_recordset(null::ds_data.%I, %s) k)',
    string_agg(format('%I.%I', alias, k), ', ' order by o), string_agg(format('k.%I', k), ', ' order by o), table_name, keys_sql)
  from unnest(key) with ordinality u(k, o)
$$;
comment on function ds_private.key_filter_sql(text, text[], text, text) is 'SQL of a condition: the row alias has one of the keys in keys_sql (a jsonb array of key objects such as {"ticker": "AAPL"}), compared with the types of the dataset table.';
