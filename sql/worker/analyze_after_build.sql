-- Statistics after a large build: a freshly COPYed table has none (a 500k-row read was
-- planned for 3,866 rows and spilled its sort to disk), and autovacuum comes a minute
-- later at best. So the chunk that ends a version's run of tasks analyzes its table, in
-- its own transaction (ANALYZE counts the rows this transaction inserted), when the rows
-- written since the table's last analyze are many (at least 10,000 and 10% of the rows
-- it had): ds.wait then returns with statistics in place. A quick analyze (statistics
-- target 30) keeps its cost at a few percent of the build. Called by ds_worker.complete_task under
-- the dataset lock, so of two chunks finishing together the second sees the first's
-- commit and analyzes.

create or replace function ds_private.analyze_after_build(task_id bigint) returns boolean
language plpgsql volatile as $$
declare
  v_version_id integer;
  v_table text;
  v_oid oid;
  v_reltuples real;
  v_since timestamptz;
  v_written bigint;
begin
  select t.dataset_version_id, v.table_name into v_version_id, v_table
  from ds_private.tasks t join ds_private.dataset_versions v on v.id = t.dataset_version_id
  where t.id = analyze_after_build.task_id;
  -- other chunks of the version still to come: the last one decides
  if exists (select from ds_private.tasks t where t.dataset_version_id = v_version_id
             and t.state in ('waiting', 'queued', 'running') and t.id <> analyze_after_build.task_id) then
    return false;
  end if;
  v_oid := format('ds_store.%I', v_table)::regclass;
  select greatest(c.reltuples, 0) into v_reltuples from pg_class c where c.oid = v_oid;
  v_since := coalesce(greatest(pg_stat_get_last_analyze_time(v_oid), pg_stat_get_last_autoanalyze_time(v_oid)), '-infinity');
  select coalesce(sum(t.rows_written), 0) into v_written from ds_private.tasks t
  where t.dataset_version_id = v_version_id and t.state = 'succeeded' and t.finished_at > v_since;
  if v_written < greatest(10000, 0.1 * v_reltuples) then
    return false;
  end if;
  -- a quick analyze: statistics target 30 at most (a 1M-row table here: 0.2 s instead of
  -- 0.55 s at the default 100), enough for row counts and ts ranges; autovacuum's own
  -- analyze refines it once the table grew by another 10%
  perform set_config('default_statistics_target', least(current_setting('default_statistics_target')::integer, 30)::text, true);
  execute format('analyze ds_store.%I', v_table);
  return true;
end;
$$;
comment on function ds_private.analyze_after_build(bigint) is 'ANALYZEs the table of a task''s dataset version when the task is its last active one and its tasks wrote at least 10,000 rows (and 10% of the table) since the last analyze; true when it did.';
