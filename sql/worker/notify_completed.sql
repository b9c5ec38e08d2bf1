-- The notifications of completed chunks (ds_progress "succeeded", ds_data), sent by the
-- worker in a transaction of their own right after the chunks' commit. PostgreSQL
-- serialises every transaction that notifies through its commit (PreCommit_Notify takes a
-- database-wide lock held until the commit's WAL flush): notifying in the chunk's own
-- transaction made the chunks of all slots commit one after the other. Here the lock is
-- held only for an asynchronous commit. A crash between the two commits loses the
-- notifications, never data (listeners already miss what is sent while they reconnect).

create or replace function ds_private.notify_completed(task_ids bigint[], rows_written bigint[]) returns void
language plpgsql volatile as $$
begin
  perform pg_notify('ds_progress', json_build_object('task', c.task_id, 'event', 'succeeded',
    'builds', (select array_agg(bt.build_id) from ds_private.build_tasks bt where bt.task_id = c.task_id))::text)
  from unnest(task_ids) with ordinality c(task_id, o) order by c.o;
  perform pg_notify('ds_data', json_build_object('dataset', v.name, 'version', v.version, 'rows', c.rows_written,
    'first', lower(t.points), 'last', upper(t.points) - v.step)::text)
  from unnest(task_ids, rows_written) with ordinality c(task_id, rows_written, o)
  join ds_private.tasks t on t.id = c.task_id
  join ds_private.dataset_versions v on v.id = t.dataset_version_id
  order by c.o;
end;
$$;
comment on function ds_private.notify_completed(bigint[], bigint[]) is 'Sends the ds_progress "succeeded" and ds_data notifications of completed tasks (rows_written[i] rows for task_ids[i]), in the caller''s transaction.';

create or replace function ds_worker.notify_completed(task_ids bigint[], rows_written bigint[]) returns void
language plpgsql volatile as $$
begin
  -- only notifications in this transaction: its commit need not wait for the WAL flush
  perform set_config('synchronous_commit', 'off', true);
  perform ds_private.notify_completed(task_ids, rows_written);
end;
$$;
comment on function ds_worker.notify_completed(bigint[], bigint[]) is 'Worker API: the notifications of tasks that ds_worker.complete_tasks completed, sent in their own transaction after the chunks'' commit (asynchronous commit: PostgreSQL serialises notifying commits, which must not wait for a flush).';
