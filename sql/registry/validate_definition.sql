-- Validating one dataset definition (the JSON datasets/config.ts produces) on its own,
-- before anything is written: the result is the definition resolved into the values
-- stored in ds_private.dataset_versions.

create or replace function ds_private.check_definition_shape(definition jsonb) returns void
language plpgsql volatile as $$
declare
  v_name text := definition ->> 'name';
  v_version text := definition ->> 'version';
  v_field text;
begin
  if jsonb_typeof(definition) is distinct from 'object' or jsonb_typeof(definition -> 'name') is distinct from 'string'
     or jsonb_typeof(definition -> 'version') is distinct from 'string' then
    raise exception 'invalid dataset definition' using errcode = 'DS019',
      detail = format('a definition is an object with at least name and version strings, got %s', left(definition::text, 200)),
      hint = 'Pass the JSON that datasets/config.ts produces from config.toml.';
  end if;
  select f into v_field from jsonb_object_keys(definition) f
  where f <> all (array['name', 'version', 'description', 'builder', 'calendar', 'granularity', 'start_date', 'schema',
                        'key', 'chunk', 'max_attempts', 'env_vars', 'tags', 'dependencies', 'builder_sql', 'transform',
                        'write', 'refresh', 'timeout', 'code_hash', 'source', 'storage']);
  if v_field is not null then
    perform ds_private.raise_definition_error('DS019', format('unknown field %L', v_field), v_name, v_version, v_field,
      'the field is not part of a dataset definition', 'Remove it.');
  end if;
  foreach v_field in array array['chunk', 'max_attempts'] loop
    if coalesce(definition -> v_field, 'null') <> 'null'
       and (jsonb_typeof(definition -> v_field) <> 'number' or (definition ->> v_field) !~ '^[1-9][0-9]{0,8}$') then
      perform ds_private.raise_definition_error('DS019', format('invalid %s', v_field), v_name, v_version, v_field,
        format('%s must be a positive integer, got %s', v_field, definition -> v_field), 'Write a positive integer or leave it out.');
    end if;
  end loop;
  if coalesce(definition -> 'timeout', 'null') <> 'null'
     and (jsonb_typeof(definition -> 'timeout') <> 'string' or (definition ->> 'timeout') !~ '^[1-9][0-9]{0,5}[smhd]$') then
    perform ds_private.raise_definition_error('DS019', 'invalid timeout', v_name, v_version, 'timeout',
      format('timeout is a duration: a positive integer and a unit s, m, h or d, got %s', definition -> 'timeout'),
      'Write for example timeout = "30s", or leave it out for the default of 5 minutes.');
  end if;
  if coalesce(definition ->> 'builder', 'builder.ts') !~ '^[A-Za-z0-9_][A-Za-z0-9_.-]*\.(ts|sql)$' then
    perform ds_private.raise_definition_error('DS019', 'invalid builder', v_name, v_version, 'builder',
      format('builder must be a file name in the version folder ending in .ts or .sql, got %s', definition -> 'builder'),
      'Leave it out to use builder.ts.');
  end if;
  if jsonb_typeof(coalesce(definition -> 'tags', '{}')) <> 'object' or jsonb_typeof(coalesce(definition -> 'env_vars', 'false')) <> 'boolean'
     or jsonb_typeof(coalesce(definition -> 'description', 'null')) not in ('string', 'null')
     or jsonb_typeof(coalesce(definition -> 'dependencies', '[]')) <> 'array' then
    perform ds_private.raise_definition_error('DS019', 'invalid dataset definition', v_name, v_version, null,
      'tags must be an object, env_vars a boolean, description a string and dependencies an array', 'Fix config.toml.');
  end if;
end;
$$;
comment on function ds_private.check_definition_shape(jsonb) is 'Checks the JSON shape of a dataset definition (known fields, types of the simple ones); raises DS019.';

create or replace function ds_private.resolve_timing(definition jsonb, out calendar text, out step interval, out start_at timestamptz)
language plpgsql volatile set timezone to 'UTC' as $$
declare
  v_name text := definition ->> 'name';
  v_version text := definition ->> 'version';
begin
  calendar := definition ->> 'calendar';
  if calendar is null or not exists (select from ds_private.calendars c where c.name = resolve_timing.calendar) then
    perform ds_private.raise_definition_error('DS004', format('unknown calendar %s', coalesce(quote_literal(calendar), 'null')),
      v_name, v_version, 'calendar', 'known calendars: ' || coalesce((select string_agg(c.name, ', ' order by c.name) from ds_private.calendars c), 'none'),
      'Use one of the known calendars or add one under calendars/.');
  end if;
  begin
    step := ds_private.parse_granularity(coalesce(definition ->> 'granularity', ''));
  exception when sqlstate 'DS007' then
    perform ds_private.raise_definition_error('DS007', format('invalid granularity %s', coalesce(quote_literal(definition ->> 'granularity'), 'null')),
      v_name, v_version, 'granularity', 'a granularity is a positive integer followed by s, m, h or d', 'Use for example 1m, 5m, 1h or 1d.');
  end;
  begin
    start_at := (definition ->> 'start_date')::timestamptz;
  exception when data_exception then
    start_at := null;
  end;
  if start_at is null or not isfinite(start_at) then
    perform ds_private.raise_definition_error('DS019', format('invalid start date %s', coalesce(quote_literal(definition ->> 'start_date'), 'null')),
      v_name, v_version, 'start-date', 'start-date must be a date or a date-time (UTC unless it has an offset)',
      'Write for example start-date = 2020-01-01.');
  end if;
end;
$$;
comment on function ds_private.resolve_timing(jsonb) is 'Resolves the calendar (DS004), granularity (DS007) and start date (DS019) of a dataset definition.';

create or replace function ds_private.resolve_dependencies(definition jsonb) returns jsonb
language plpgsql volatile as $$
declare
  v_name text := definition ->> 'name';
  v_version text := definition ->> 'version';
  v_dep jsonb;
  v_lookback record;
  v_out jsonb := '[]';
begin
  for v_dep in select value from jsonb_array_elements(coalesce(definition -> 'dependencies', '[]')) loop
    if jsonb_typeof(v_dep -> 'name') is distinct from 'string' or jsonb_typeof(v_dep -> 'version') is distinct from 'string' then
      perform ds_private.raise_definition_error('DS019', 'invalid dependency', v_name, v_version, 'dependencies',
        format('a dependency has a name and a version, got %s', v_dep), 'Write dep = "0.1.0" or dep = { version = "0.1.0", lookback = "5d" }.');
    end if;
    if v_out @> jsonb_build_array(jsonb_build_object('name', v_dep -> 'name')) then
      perform ds_private.raise_definition_error('DS019', format('dependency %s listed twice', v_dep -> 'name'), v_name, v_version,
        'dependencies.' || (v_dep ->> 'name'), 'a dataset depends on at most one version of another dataset', 'Keep one.');
    end if;
    v_lookback := ds_private.parse_lookback(v_dep -> 'lookback', v_name, v_version, 'dependencies.' || (v_dep ->> 'name') || '.lookback');
    v_out := v_out || jsonb_build_array(jsonb_build_object('name', v_dep -> 'name', 'version', v_dep -> 'version',
      'lookback', v_lookback.lookback_text, 'lookback_interval', v_lookback.lookback_interval, 'lookback_points', v_lookback.lookback_points,
      'window', ds_private.parse_dependency_window(v_dep -> 'window', coalesce(definition -> 'transform', 'null') <> 'null',
                                                   v_name, v_version, 'dependencies.' || (v_dep ->> 'name') || '.window')));
  end loop;
  return v_out;
end;
$$;
comment on function ds_private.resolve_dependencies(jsonb) is 'Validates the dependencies of a definition and parses their lookbacks and windows; returns [{name, version, lookback, lookback_interval, lookback_points, window}].';

create or replace function ds_private.validate_definition(definition jsonb) returns jsonb
language plpgsql volatile as $$
declare
  v_name text := definition ->> 'name';
  v_version text := definition ->> 'version';
  v_semver record;
  v_timing record;
  v_schema jsonb;
  v_builder record;
  v_policy record;
  v_key text[];
  v_source jsonb;
  v_storage record;
begin
  if jsonb_typeof(definition) = 'object' then
    -- a JSON null means "absent" for every top-level field
    definition := (select jsonb_object_agg(f.key, f.value) from jsonb_each(definition) f where f.value <> 'null');
  end if;
  perform ds_private.check_definition_shape(definition);
  perform ds_private.check_dataset_name(v_name, v_version);
  v_semver := ds_private.parse_semver(v_name, v_version);
  perform ds_private.check_table_name(v_name, v_version);
  v_timing := ds_private.resolve_timing(definition);
  v_schema := ds_private.normalize_schema(definition -> 'schema', v_name, v_version);
  v_key := ds_private.normalize_key(definition -> 'key', v_schema, v_name, v_version);
  if definition ? 'source' then
    -- fetched from an exchange or a vendor, never a builder (README "Sources")
    v_source := ds_private.resolve_source(definition, v_schema, v_key);
    select 'source:' || (v_source ->> 'kind') as builder, null::text as builder_sql, null::jsonb as transform into v_builder;
  else
    v_builder := ds_private.resolve_builder(definition);
  end if;
  v_policy := ds_private.resolve_write_policy(definition, v_schema, v_key, v_builder.builder);
  v_storage := ds_private.resolve_storage(definition, v_timing.step);
  return jsonb_build_object(
    'name', v_name, 'version', v_version,
    'major', v_semver.major, 'minor', v_semver.minor, 'patch', v_semver.patch, 'prerelease', v_semver.prerelease,
    'view_name', ds_private.dataset_view_name(v_name), 'table_name', ds_private.dataset_table_name(v_name, v_version),
    'description', definition ->> 'description', 'builder', v_builder.builder,
    'builder_sql', v_builder.builder_sql, 'transform', v_builder.transform, 'source', v_source,
    -- a source's code is what decides its rows, not how it paces or retries its requests
    'code_hash', ds_private.resolve_code_hash(definition, coalesce(v_builder.transform,
      v_source - array['rate_limit', 'page_size', 'retries', 'backoff_ms', 'api_url', 'api_url_env'])),
    'calendar', v_timing.calendar, 'granularity', definition ->> 'granularity', 'step', v_timing.step, 'start_at', v_timing.start_at,
    'schema', v_schema, 'key', to_jsonb(v_key),
    'write_conflict', v_policy.write_conflict, 'refresh_on_write', v_policy.refresh_on_write,
    'refresh_schedule', v_policy.refresh_schedule, 'per_key', v_policy.per_key,
    'chunk', coalesce((definition ->> 'chunk')::integer, ds_private.default_chunk(v_timing.step)),
    'max_attempts', coalesce((definition ->> 'max_attempts')::integer, 3),
    'timeout', ds_private.parse_granularity(definition ->> 'timeout'),
    'partition_interval', v_storage.partition_interval, 'retention', v_storage.retention, 'pack_after', v_storage.pack_after,
    'env_vars', coalesce((definition ->> 'env_vars')::boolean, false),
    'tags', coalesce(definition -> 'tags', '{}'),
    'dependencies', ds_private.resolve_dependencies(definition));
end;
$$;
comment on function ds_private.validate_definition(jsonb) is 'Validates one dataset definition on its own (name, version, calendar, granularity, start date, schema, key, builder or source, write and refresh policies, code hash, storage, dependencies) and returns it resolved for storage.';
