-- Waiting for and cancelling builds.

create or replace function ds.wait(build_id bigint, timeout interval default '5 minutes') returns text
language plpgsql volatile as $$
declare
  v_deadline timestamptz := clock_timestamp() + coalesce(timeout, '5 minutes');
  v_state text;
  v_sleep float8 := 0.005;
  v_polled timestamptz;
  v_cap float8;
begin
  loop
    v_polled := clock_timestamp();
    -- each statement of a volatile function sees what committed before it started
    select b.state into v_state from ds.builds b where b.id = wait.build_id;
    if not found then
      raise exception 'unknown build %', build_id using errcode = 'DS015',
        detail = 'No build has that id.', hint = 'select id, dataset, state from ds.builds lists the builds.';
    end if;
    if v_state in ('succeeded', 'failed', 'cancelled') then
      return v_state;
    end if;
    if exists (select from ds_private.builds b where b.id = wait.build_id
               and b.xmin::text = (pg_current_xact_id_if_assigned()::text::numeric % 4294967296)::text) then
      raise exception 'build % was created in this transaction: no worker can see it before it commits', build_id
        using errcode = 'DS016', detail = 'select ds.wait(ds.build(...)) in one statement, or in a transaction block, would wait forever.',
              hint = 'Run select ds.build(...) on its own (autocommit), then select ds.wait(id); or use ds.data(..., build => true).';
    end if;
    if clock_timestamp() >= v_deadline then
      raise exception 'build % is still % after %', build_id, v_state, timeout using errcode = 'DS016',
        detail = format('progress: %s', (select b.progress from ds.builds b where b.id = wait.build_id)),
        hint = 'Is a worker running (ds worker)? Wait longer with ds.wait(id, ''30 minutes'').';
    end if;
    -- back off to 50 ms between polls (what a build's end waits for on average: 25 ms), or to
    -- 20 times a poll's own cost (a build of thousands of tasks): polling stays under 5% of
    -- a core
    v_cap := greatest(0.05, 20 * extract(epoch from clock_timestamp() - v_polled));
    perform pg_sleep(v_sleep);
    v_sleep := least(v_sleep * 2, v_cap);
  end loop;
end;
$$;
comment on function ds.wait(bigint, interval) is '@behavior -*
Blocks until the build ends and returns its final state (succeeded, failed or cancelled); DS016 after the timeout. Call it outside an explicit transaction so that it sees the workers'' commits.';

create or replace function ds.cancel(build_id bigint) returns text
language plpgsql volatile as $$
declare
  v_cancelled bigint[];
begin
  perform ds_private.check_primary('ds.cancel');
  update ds_private.builds b set cancelled_at = now() where b.id = cancel.build_id and b.cancelled_at is null;
  if not found and not exists (select from ds_private.builds b where b.id = cancel.build_id) then
    raise exception 'unknown build %', build_id using errcode = 'DS015',
      detail = 'No build has that id.', hint = 'select id, dataset, state from ds.builds lists the builds.';
  end if;
  -- the datasets' locks first, in id order like planners and writers: a chunk completing
  -- meanwhile holds its dataset's lock and then its row and its dependents' rows, so taking
  -- rows before locks would deadlock with it
  perform ds_private.lock_dataset(bd.dataset_version_id)
  from ds_private.build_datasets bd where bd.build_id = cancel.build_id order by bd.dataset_version_id;
  -- cancel its tasks that have not finished, unless another live build waits for them; a
  -- running chunk is stopped by its worker (heartbeat) and can no longer commit
  with cancelled as (
    update ds_private.tasks t set state = 'cancelled', finished_at = now(), error = format('build %s was cancelled', cancel.build_id)
    from ds_private.build_tasks bt
    where bt.build_id = cancel.build_id and t.id = bt.task_id and t.state in ('waiting', 'queued', 'running')
      and not exists (select from ds_private.build_tasks o join ds_private.builds ob on ob.id = o.build_id
                      where o.task_id = t.id and o.build_id <> cancel.build_id and ob.cancelled_at is null)
    returning t.id
  )
  select coalesce(array_agg(c.id), '{}') into v_cancelled from cancelled c;
  -- tasks of some keys give their points back to the stale ones
  perform ds_private.restore_stale(v_cancelled);
  perform pg_notify('ds_progress', json_build_object('build', build_id, 'event', 'cancelled')::text);
  return (select b.state from ds.builds b where b.id = cancel.build_id);
end;
$$;
comment on function ds.cancel(bigint) is '@behavior -*
Cancels a build: its tasks that have not finished and that no other build waits for are cancelled; running ones are stopped by their workers within seconds and roll back whole (nothing of them is written), and are never run again. Returns the new state.';
