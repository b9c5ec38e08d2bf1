-- Dry runs: a build planned and run in a transaction that is always rolled back. It takes
-- no dataset locks (ds_private.lock_dataset skips them while ds.dry_run is on), so it never
-- blocks real builds, and it can never commit: a deferred check refuses the commit of any
-- transaction that planned a build or changed coverage while ds.dry_run was on.

create or replace function ds_worker.plan_dry_run(dataset text, version text, start_at timestamptz, end_at timestamptz) returns bigint
language plpgsql volatile as $$
declare
  v_what text := format('a dry run of %s %s over [%s, %s]', dataset, version, start_at, end_at);
  v_build_id bigint;
  v_points bigint;
begin
  perform pg_catalog.set_config('ds.dry_run', 'on', true);
  -- counted before planning, then with the dependencies the plan reads
  perform ds_private.check_points(v_what, ds_server.count_points(dataset, version, start_at, end_at));
  v_build_id := ds.build(dataset, version, start_at, end_at);
  select coalesce(sum(ds_private.slot_count(t.points, v.step)), 0) into v_points
  from ds_private.build_tasks bt
  join ds_private.tasks t on t.id = bt.task_id
  join ds_private.dataset_versions v on v.id = t.dataset_version_id
  where bt.build_id = v_build_id and t.state in ('waiting', 'queued');
  perform ds_private.check_points(v_what || ' with its dependencies', v_points);
  return v_build_id;
end;
$$;
comment on function ds_worker.plan_dry_run(text, text, timestamptz, timestamptz) is 'Plans a dry run of ds.build in the current transaction, which the caller must roll back (it cannot commit): takes no dataset locks, so real builds go on meanwhile. Returns the build id whose tasks the caller then runs. DS033 when the range, or the work of the whole closure, has more points than ds.max_points (default 1,000,000).';

create or replace function ds_private.refuse_dry_run_commit() returns trigger
language plpgsql as $$
begin
  raise exception 'a dry run cannot commit' using errcode = '25000',
    detail = format('%s changed %s while ds.dry_run was on', tg_op, tg_table_name),
    hint = 'Roll back a dry run''s transaction; reset ds.dry_run before real builds.';
end;
$$;
comment on function ds_private.refuse_dry_run_commit() is 'Deferred check: refuses to commit a transaction that planned a build or changed coverage while ds.dry_run was on (it took no dataset locks).';

do $$
begin
  if not exists (select from pg_catalog.pg_trigger where tgname = 'builds_dry_run_guard' and tgrelid = 'ds_private.builds'::regclass) then
    create constraint trigger builds_dry_run_guard after insert on ds_private.builds
      deferrable initially deferred for each row
      when (pg_catalog.current_setting('ds.dry_run', true) = 'on')
      execute function ds_private.refuse_dry_run_commit();
  end if;
  if not exists (select from pg_catalog.pg_trigger where tgname = 'dataset_versions_dry_run_guard' and tgrelid = 'ds_private.dataset_versions'::regclass) then
    create constraint trigger dataset_versions_dry_run_guard after update on ds_private.dataset_versions
      deferrable initially deferred for each row
      when (pg_catalog.current_setting('ds.dry_run', true) = 'on')
      execute function ds_private.refuse_dry_run_commit();
  end if;
end
$$;
