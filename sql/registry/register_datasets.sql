-- Registering dataset definitions (what `ds sync` sends from builders/*/*/config.toml).

create or replace function ds.register_datasets(definitions jsonb) returns jsonb
language plpgsql volatile as $$
declare
  v_defs jsonb[];
  v_def jsonb;
  v_row record;
  v_ids integer[] := '{}';
  v_status text[] := '{}';
  v_new_versions integer[] := '{}';
  v_new_datasets integer[] := '{}';
  v_dup record;
  v_i integer;
begin
  perform ds_private.check_primary('ds.register_datasets');
  if jsonb_typeof(definitions) is distinct from 'array' then
    raise exception 'register_datasets expects a JSON array of definitions' using errcode = 'DS019',
      detail = format('got %s', coalesce(jsonb_typeof(definitions), 'null')), hint = 'Pass [{"name": ..., "version": ..., ...}, ...].';
  end if;
  -- one registration at a time: derived names and the dependency graph are checked as a whole
  perform pg_advisory_xact_lock(7412003);

  select coalesce(array_agg(ds_private.validate_definition(d.value) order by d.ord), '{}')
    into v_defs from jsonb_array_elements(definitions) with ordinality d(value, ord);
  select e ->> 'name' as name, e ->> 'version' as version into v_dup
  from unnest(v_defs) e group by 1, 2 having count(*) > 1 order by 1, 2 limit 1;
  if v_dup.name is not null then
    perform ds_private.raise_definition_error('DS014', 'dataset version listed twice', v_dup.name, v_dup.version, null,
      'the batch holds two definitions of the same version', 'Register each version once.');
  end if;

  foreach v_def in array v_defs loop
    v_row := ds_private.upsert_dataset_version(v_def);
    v_ids := v_ids || v_row.version_id;
    v_status := v_status || v_row.status;
    if v_row.status = 'registered' then
      v_new_versions := v_new_versions || v_row.version_id;
    elsif v_row.status = 'updated' then
      perform ds_private.comment_version_table(v_row.version_id);
    end if;
    if v_row.new_dataset then
      v_new_datasets := v_new_datasets || v_row.dataset_id;
    end if;
  end loop;
  for v_i in 1 .. coalesce(array_length(v_defs, 1), 0) loop
    perform ds_private.link_dependencies(v_defs[v_i], v_ids[v_i], v_status[v_i] = 'registered');
  end loop;
  -- transforms generate their SQL from the stored version and its dependencies
  for v_i in 1 .. coalesce(array_length(v_defs, 1), 0) loop
    if v_defs[v_i] -> 'transform' <> 'null' and ds_private.generate_transform_sql(v_ids[v_i]) and v_status[v_i] = 'unchanged' then
      v_status[v_i] := 'updated';
    end if;
  end loop;
  perform ds_private.check_dependency_graph(v_new_versions);
  perform ds_private.check_derived_names(v_new_versions, v_new_datasets);

  perform ds_private.create_version_table(id) from unnest(v_new_versions) id order by id;
  perform ds_private.refresh_dataset_view(v.dataset_id)
  from ds_private.dataset_versions v
  where v.id = any (v_new_versions) and v.id = ds_private.newest_version_id(v.dataset_id)
  order by v.dataset_id;
  -- SQL builders compile against the tables (just created ones included)
  perform ds_private.check_builder_sql(id) from unnest(v_ids, v_status) t(id, status) where status <> 'unchanged';

  -- new typed tables: PostGraphile servers watching this channel rebuild their schema
  if cardinality(v_new_versions) > 0 then
    perform pg_notify('postgraphile_watch', '{"type":"manual"}');
  end if;
  return jsonb_build_object(
    'registered', ds_private.labels_with_status(v_defs, v_status, 'registered'),
    'updated', ds_private.labels_with_status(v_defs, v_status, 'updated'),
    'unchanged', ds_private.labels_with_status(v_defs, v_status, 'unchanged'));
end;
$$;
comment on function ds.register_datasets(jsonb) is
'@behavior -*
Registers dataset versions atomically from a JSON array of definitions [{name, version, description, builder, builder_sql, transform, calendar, granularity, start_date, schema: [{name, type, nullable}], key, chunk, max_attempts, env_vars, tags, dependencies: [{name, version, lookback, window}]}], in any order; returns {"registered": [...], "updated": [...], "unchanged": [...]} of "name@version". '
'builder_sql is the text of a builder.sql; transform ({"kind": ..., params...}) generates it instead. '
'New versions get a typed table in ds_data and their dataset''s view moves to the newest version. Raises DS002-DS011, DS014, DS019 or DS023 naming the dataset, version and field.';

create or replace function ds.register_dataset(definition jsonb) returns jsonb
language sql volatile as $$
  select ds.register_datasets(jsonb_build_array(definition))
$$;
comment on function ds.register_dataset(jsonb) is '@behavior -*
Registers one dataset version (see ds.register_datasets); its dependencies must already be registered.';

create or replace function ds_private.labels_with_status(defs jsonb[], statuses text[], wanted text) returns jsonb
language sql immutable as $$
  select coalesce(jsonb_agg((d ->> 'name') || '@' || (d ->> 'version') order by i), '[]')
  from unnest(defs, statuses) with ordinality as t(d, s, i) where s = wanted
$$;
comment on function ds_private.labels_with_status(jsonb[], text[], text) is 'The "name@version" labels of the definitions with the given registration status.';
