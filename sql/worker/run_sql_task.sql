-- Running a chunk of a SQL builder inside PostgreSQL: the statement's rows go straight
-- into the dataset's table, checked on the way (sql_builder_columns.sql); no row travels
-- through Node. The worker calls it, then ds_worker.complete_task, in one transaction.

create or replace function ds_worker.run_sql_task(task_id bigint) returns bigint
language plpgsql volatile as $$
declare
  v_task ds_private.tasks := (select t from ds_private.tasks t where t.id = run_sql_task.task_id);
  v ds_private.dataset_versions := (select r from ds_private.dataset_versions r where r.id = v_task.dataset_version_id);
  v_piece tstzmultirange;
  v_lookback timestamptz;
  v_select text;
  v_rows bigint;
  v_total bigint := 0;
  v_detail text;
begin
  if v_task.state is distinct from 'running' then
    raise exception 'task % is %, not running', task_id, coalesce(v_task.state, 'unknown')
      using errcode = 'DS045', detail = 'Another worker finished or cancelled it.', hint = 'Nothing to do: its work is not written twice.';
  elsif v.builder_sql is null then
    raise exception '% %: not a SQL builder (builder %)', v.name, v.version, v.builder using errcode = 'DS018',
      detail = format('task %s', task_id), hint = 'Run it with the TypeScript worker (worker/chunk.ts).';
  end if;
  -- named inputs (:chunk_start, :"dependency", ...) become $1, $2, $3 and windowed tables,
  -- for the statement and for the check of its columns (sql_builder_select_list)
  v.builder_sql := ds_private.compile_builder_sql(v.id);
  perform ds_worker.clear_task_rows(task_id);
  begin
    -- one statement per run of consecutive points ($1 .. $2); a chunk has several only when
    -- some calendar points between its first and last were already built
    for v_piece in select tstzmultirange(r) * v_task.points from unnest(v_task.covers) r order by r loop
      continue when isempty(v_piece);
      v_lookback := least(lower(v_piece), (select min(lower(ds_private.dependency_window(v_piece, d)))
                                           from ds_private.dependencies d where d.dataset_version_id = v.id));
      v_select := coalesce(v_select, ds_private.sql_builder_select_list(v, lower(v_piece), upper(v_piece), v_lookback));
      -- without key, row_number numbers each timestamp's rows in the order the statement
      -- returns them ("N": row_number() over () follows the statement's own order by)
      execute format(E'insert into ds_store.%I (%s)\nselect %s from (%s\n) s%s',
        v.table_name, (select string_agg(format('%I', f), ', ') from unnest(array['ts'] || array(select f ->> 'name' from jsonb_array_elements(v.schema) f)
                                                                         || case when cardinality(v.key) = 0 then array['row_number'] else '{}' end) f),
        v_select || case when cardinality(v.key) = 0 then ', row_number() over (partition by s.ts order by s."N")' else '' end,
        case when cardinality(v.key) = 0 then format(E'select b.*, row_number() over () as "N" from (%s\n) b', v.builder_sql) else v.builder_sql end,
        -- a task of some keys (stale points) keeps only their rows
        case when v_task.keys is null then '' else E'\nwhere ' || ds_private.key_filter_sql(v.table_name, v.key, 's', '$8') end)
        using lower(v_piece), upper(v_piece), v_lookback, v_task.points, v.step, v.name || ' ' || v.version,
              format('%s .. %s', lower(v_task.points), upper(v_task.points)), v_task.keys;
      get diagnostics v_rows = row_count;
      v_total := v_total + v_rows;
    end loop;
  exception
    when sqlstate 'DS017' then
      raise;
    when integrity_constraint_violation or data_exception then
      get stacked diagnostics v_detail = pg_exception_detail;
      raise exception '% %: rows rejected by the table: %', v.name, v.version, sqlerrm || coalesce(': ' || nullif(v_detail, ''), '') using errcode = 'DS017',
        detail = concat_ws(' ', nullif(v_detail, ''), format('Nothing of this chunk (%s .. %s) was written.', lower(v_task.points), upper(v_task.points))),
        hint = case when sqlstate = '23505' then 'Two rows share a timestamp and key: declare key = [...] in config.toml or return one row.'
                    else 'Return values that fit the columns of [schema].' end;
    when syntax_error_or_access_rule_violation or feature_not_supported then
      raise exception '% %: the builder SQL could not run: %', v.name, v.version, sqlerrm using errcode = 'DS018',
        detail = format('SQLSTATE %s, task %s', sqlstate, task_id), hint = 'Fix builder.sql (or the transform) and run ds sync.';
  end;
  return v_total;
end;
$$;
comment on function ds_worker.run_sql_task(bigint) is 'Worker API: in the caller''s transaction, clears a running task''s stale rows and inserts the rows of its dataset''s SQL builder (only its keys'' rows for a task of some keys; without key, each timestamp''s rows numbered in row_number in the statement''s order) (builder_sql with :chunk_start or $1, :chunk_end or $2, :window_start or $3, and :"dependency" for a dependency''s rows: ds_private.compile_builder_sql), validated like TypeScript builders'' rows (DS017: nothing of the chunk is written); returns the rows written.';
