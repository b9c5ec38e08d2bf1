-- Statistics after a large build: a freshly COPYed table has none (a 500k-row read was
-- planned for 3,866 rows and spilled its sort to disk), and autovacuum comes a minute
-- later at best. Statistics live in the partitions of the store (the planner prunes to
-- partitions and estimates each from its own; autovacuum analyzes them, never the
-- partitioned parent), so a build analyzes the partitions it filled, each once no task of
-- the version is left to write into it:
--   * during the build, the worker analyzes the partitions its chunks just finished, after
--     their commit and outside the dataset lock (ds_worker.analyze_completed), while the
--     other slots go on building: a 1M-row build of 23 monthly partitions spent 0.5 s in
--     one ANALYZE of the whole table after its last chunk, 20% of the build;
--   * the chunk that ends a version's run of tasks analyzes, in its own transaction
--     (ANALYZE counts the rows this transaction inserted), what is still without fresh
--     statistics (ds_private.analyze_after_build): ds.wait then returns with statistics in
--     place. On PostgreSQL 18 it also refreshes the parent's own statistics of the whole
--     table (ANALYZE ONLY, a sample of the partitions, no partition analyzed again); earlier
--     servers cannot analyze a parent without every partition again, and keep none.
-- A partition is analyzed when the tasks that reached it wrote at least 10,000 rows and 10%
-- of its rows since its last analyze; a quick analyze (statistics target 10) keeps the cost
-- a few percent of the build.

create or replace function ds_private.partitions_to_analyze(version_id integer, within tstzmultirange)
returns table (partition_oid oid, rows_since bigint)
language sql stable as $$
  with parts as (
    select p.bounds, c.oid, greatest(c.reltuples, 0) as reltuples,
           coalesce(greatest(pg_catalog.pg_stat_get_last_analyze_time(c.oid), pg_catalog.pg_stat_get_last_autoanalyze_time(c.oid)), '-infinity') as since
    from ds_private.version_partitions(partitions_to_analyze.version_id) p
    join pg_catalog.pg_class c on c.oid = pg_catalog.to_regclass(format('ds_partitions.%I', p.partition_name))
    where partitions_to_analyze.within is null or partitions_to_analyze.within && p.bounds
  )
  select p.oid, w.n
  from parts p,
  lateral (select coalesce(sum(t.rows_written), 0)::bigint as n from ds_private.tasks t
           where t.dataset_version_id = partitions_to_analyze.version_id and t.state = 'succeeded'
             and t.finished_at > p.since and t.points && p.bounds) w
  where w.n >= greatest(10000, 0.1 * p.reltuples)
    -- no task of the version is left to write into it
    and not exists (select from ds_private.tasks t where t.dataset_version_id = partitions_to_analyze.version_id
                    and t.state in ('waiting', 'queued', 'running') and t.points && p.bounds)
$$;
comment on function ds_private.partitions_to_analyze(integer, tstzmultirange) is 'The partitions of a version''s store (those reaching within; null: all) that no active task of the version reaches and into which its tasks wrote at least 10,000 rows and 10% of the partition''s rows since its last analyze (rows_since: what those tasks wrote, counted in each partition they reached).';

create or replace function ds_private.analyze_partitions(partitions oid[]) returns integer
language plpgsql volatile as $$
declare
  v_oid oid;
begin
  -- a quick analyze: statistics target 10 at most (a sample of 3,000 rows per partition,
  -- 10 histogram buckets and most common values). A partition holds a slice of time, so its
  -- ts is close to uniform and row counts come from its pages whatever the target: the 23
  -- monthly partitions of a 1M-row build took 0.15 s at 10 and 0.38 s at 30 (the whole
  -- table at the default 100: 1.7 s; PG18). A column's own SET STATISTICS overrides it.
  perform set_config('default_statistics_target', least(current_setting('default_statistics_target')::integer, 10)::text, true);
  foreach v_oid in array coalesce(partitions, '{}') loop
    execute format('analyze %s', v_oid::regclass);
  end loop;
  return coalesce(cardinality(partitions), 0);
end;
$$;
comment on function ds_private.analyze_partitions(oid[]) is 'ANALYZEs each of the tables, at statistics target 10 at most (columns with their own SET STATISTICS keep it); returns how many.';

create or replace function ds_private.analyze_after_build(task_id bigint) returns boolean
language plpgsql volatile as $$
declare
  v_version_id integer;
  v_table text;
  v_partitions oid[];
begin
  select t.dataset_version_id, v.table_name into v_version_id, v_table
  from ds_private.tasks t join ds_private.dataset_versions v on v.id = t.dataset_version_id
  where t.id = analyze_after_build.task_id;
  -- other chunks of the version still to come: the last one decides
  if exists (select from ds_private.tasks t where t.dataset_version_id = v_version_id
             and t.state in ('waiting', 'queued', 'running') and t.id <> analyze_after_build.task_id) then
    return false;
  end if;
  select array_agg(p.partition_oid) into v_partitions from ds_private.partitions_to_analyze(v_version_id, null) p;
  if v_partitions is null then
    return false;
  end if;
  perform ds_private.analyze_partitions(v_partitions);
  if current_setting('server_version_num')::integer >= 180000 then
    execute format('analyze only ds_store.%I', v_table);
  end if;
  return true;
end;
$$;
comment on function ds_private.analyze_after_build(bigint) is 'When the task is the last active one of its version: ANALYZEs the partitions of the version''s store that its tasks filled since their last analyze (ds_private.partitions_to_analyze), and on PostgreSQL 18 the parent''s own statistics (ANALYZE ONLY); true when it analyzed.';

create or replace function ds_worker.analyze_completed(task_ids bigint[]) returns integer
language plpgsql volatile as $$
declare
  v_version_id integer;
  v_points tstzmultirange;
  v_partitions oid[];
begin
  select min(t.dataset_version_id), range_agg(t.points) into v_version_id, v_points
  from ds_private.tasks t where t.id = any (analyze_completed.task_ids) and t.state = 'succeeded';
  -- the version's last chunk analyzed in its own transaction (analyze_after_build)
  if v_version_id is null or not exists (select from ds_private.tasks t where t.dataset_version_id = v_version_id
                                          and t.state in ('waiting', 'queued', 'running')) then
    return 0;
  end if;
  select array_agg(p.partition_oid) into v_partitions from ds_private.partitions_to_analyze(v_version_id, v_points) p;
  -- a partition locked by someone else (ds.pack, retention) is left for later: the worker's
  -- slot must not wait behind it
  perform set_config('lock_timeout', '100ms', true);
  return ds_private.analyze_partitions(v_partitions);
exception when others then
  -- statistics only: the chunks are committed, a partition dropped meanwhile (retention) or
  -- a lock refused must not read as their failure
  raise warning 'statistics of tasks % not refreshed: %', task_ids, sqlerrm;
  return 0;
end;
$$;
comment on function ds_worker.analyze_completed(bigint[]) is 'Worker API, after the commit of completed chunks (task_ids, of one version): ANALYZEs the partitions those chunks finished — no task of the version is left to write into them and they got many rows (ds_private.partitions_to_analyze) — while the rest of the build goes on; the version''s last chunk analyzes in its own transaction instead (analyze_after_build). Returns how many; a failure is a warning, never the chunks'' error.';
