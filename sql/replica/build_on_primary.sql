-- ds.data(..., build => true) on a hot standby: the build is planned and awaited on the
-- primary through dblink (the settings row primary_connstr, written on the primary, which
-- replicates here), then the standby waits until it has replayed the primary's WAL up to
-- the end of the build, so the rows it reads next are complete. The standby needs
-- hot_standby_feedback = on: without it the primary's vacuum conflicts with the long
-- statement, which then either stalls replay or is cancelled.

create or replace function ds_private.build_on_primary(dataset text, version text, start_at timestamptz, end_at timestamptz, timeout interval)
returns void language plpgsql volatile as $$
declare
  v_connstr text := (select s.value from ds_private.settings s where s.name = 'primary_connstr');
  v_deadline timestamptz := clock_timestamp() + coalesce(timeout, '5 minutes');
  v_build_id bigint;
  v_state text;
  v_error text;
  v_lsn pg_lsn;
begin
  -- the rows may all be here already (built on the primary and replayed): nothing to build
  if not exists (select from ds.missing(dataset, version, start_at, end_at)) then
    return;
  end if;
  if v_connstr is null then
    raise exception 'ds.data(..., build => true) on a standby needs the address of the primary' using errcode = 'DS036',
      detail = 'This server is a read-only standby: the build must be planned on the primary, and no settings row primary_connstr says where it is.',
      hint = 'On the primary: insert into ds_private.settings values (''primary_connstr'', ''host=PRIMARY port=5432 dbname=DATABASE user=USER password=...''); and on this standby: hot_standby_feedback = on. Or call ds.data(..., build => true) on the primary.';
  end if;
  if not pg_catalog.current_setting('hot_standby_feedback')::boolean then
    raise exception 'ds.data(..., build => true) on a standby needs hot_standby_feedback = on' using errcode = 'DS036',
      detail = 'The statement waits for the build and the replay of its rows; without feedback the primary''s vacuum conflicts with it (replay stalls, the statement is cancelled).',
      hint = 'On this standby: alter system set hot_standby_feedback = on; select pg_reload_conf(); or call ds.data(..., build => true) on the primary.';
  end if;
  select b.id into v_build_id from ds_private.dblink(v_connstr,
    format('select ds.build(%L, %L, %L, %L)', dataset, version, start_at, end_at)) as b(id bigint);
  select w.state, w.error, w.lsn into v_state, v_error, v_lsn from ds_private.dblink(v_connstr, format(
    'select s, (select b.error from ds.builds b where b.id = %s), pg_catalog.pg_current_wal_insert_lsn() from ds.wait(%s, %L) s',
    v_build_id, v_build_id, greatest(v_deadline - clock_timestamp(), interval '0'))) as w(state text, error text, lsn pg_lsn);
  if v_state <> 'succeeded' then
    raise exception 'build % of % % %', v_build_id, dataset, version, v_state using errcode = 'DS021',
      detail = coalesce(v_error, 'no error recorded'), hint = 'See select * from ds.builds where id = ' || v_build_id || ' on the primary.';
  end if;
  while coalesce(pg_catalog.pg_last_wal_replay_lsn() < v_lsn, true) loop
    if clock_timestamp() >= v_deadline then
      raise exception 'build % succeeded on the primary but this standby has not replayed it after %', v_build_id, timeout
        using errcode = 'DS016', detail = format('replayed up to %s, the build ended at %s', pg_catalog.pg_last_wal_replay_lsn(), v_lsn),
              hint = 'Check the replication lag (pg_stat_replication on the primary), or read again later.';
    end if;
    perform pg_catalog.pg_sleep(0.01);
  end loop;
end;
$$;
comment on function ds_private.build_on_primary(text, text, timestamptz, timestamptz, interval) is 'ds.data(..., build => true) on a standby: builds and waits on the primary (settings row primary_connstr) through dblink, then waits until this standby has replayed the build; DS036 saying what to configure when primary_connstr is missing or hot_standby_feedback is off, DS021 when the build fails, DS016 on timeout.';
