-- Writing one resolved definition: a new version is inserted; a registered one is left
-- alone when unchanged, updated in place when only its description, builder (and its SQL
-- text, transform, [source] or code hash: its built points become stale), chunk, max_attempts, env_vars, tags, conflict policy, refresh
-- policy or retention changed, and refused (DS011) when its definition changed.

create or replace function ds_private.check_version_unchanged(current ds_private.dataset_versions, def jsonb) returns void
language plpgsql volatile as $$
declare
  v_field text;
begin
  v_field := case
    when current.schema <> def -> 'schema' then 'schema'
    when to_jsonb(current.key) <> def -> 'key' then 'key'
    when current.calendar <> def ->> 'calendar' then 'calendar'
    when current.granularity <> def ->> 'granularity' then 'granularity'
    when current.start_at <> (def ->> 'start_at')::timestamptz then 'start-date'
    -- written from outside or built: what the rows are changes
    when (current.builder = 'external') <> (def ->> 'builder' = 'external') then 'write'
    -- the table is partitioned already (a version converted in place has its default)
    when current.partition_interval <> (def ->> 'partition_interval')::interval then 'storage.partition'
  end;
  if v_field is not null then
    perform ds_private.raise_definition_error('DS011', format('the %s of a registered version changed', v_field),
      current.name, current.version, v_field, 'a registered version''s schema, key, calendar, granularity, start date, partition size, dependencies and whether it is written or built are fixed',
      format('Make a new version: copy builders/%s/%s to a new version folder and change it there.', current.name, current.version));
  end if;
end;
$$;
comment on function ds_private.check_version_unchanged(ds_private.dataset_versions, jsonb) is 'Raises DS011 when a resolved definition changes the schema, key, calendar, granularity or start date of a registered version, or turns a written dataset into a built one (or back).';

create or replace function ds_private.upsert_dataset_version(def jsonb, out status text, out version_id integer, out dataset_id integer, out new_dataset boolean)
language plpgsql volatile as $$
declare
  v_current ds_private.dataset_versions;
  v_other text;
  v_transform jsonb := nullif(def -> 'transform', 'null');
  v_source jsonb := nullif(def -> 'source', 'null');
  v_sql text;
begin
  select d.id into dataset_id from ds_private.datasets d where d.name = def ->> 'name';
  new_dataset := dataset_id is null;
  if new_dataset then
    select d.name into v_other from ds_private.datasets d where d.view_name = def ->> 'view_name';
    if v_other is not null then
      perform ds_private.raise_definition_error('DS014', format('dataset name %L collides with %L', def ->> 'name', v_other),
        def ->> 'name', def ->> 'version', 'name', format('both would show as the view ds_data.%s', def ->> 'view_name'), 'Rename one of them.');
    end if;
    insert into ds_private.datasets (name, view_name) values (def ->> 'name', def ->> 'view_name') returning id into dataset_id;
  end if;

  select * into v_current from ds_private.dataset_versions v where v.name = def ->> 'name' and v.version = def ->> 'version';
  if v_current.id is not null then
    perform ds_private.check_version_unchanged(v_current, def);
    version_id := v_current.id;
    -- a transform's SQL is generated later (ds_private.generate_transform_sql): keep it here
    v_sql := case when v_transform is null then def ->> 'builder_sql' else v_current.builder_sql end;
    update ds_private.dataset_versions v
    set description = def ->> 'description', builder = def ->> 'builder', chunk = (def ->> 'chunk')::integer,
        max_attempts = (def ->> 'max_attempts')::integer, env_vars = (def ->> 'env_vars')::boolean, tags = def -> 'tags',
        builder_sql = v_sql, transform = v_transform, write_conflict = def ->> 'write_conflict',
        refresh_on_write = (def ->> 'refresh_on_write')::boolean, refresh_schedule = def ->> 'refresh_schedule',
        per_key = (def ->> 'per_key')::boolean, timeout = (def ->> 'timeout')::interval, code_hash = def ->> 'code_hash', source = v_source,
        retention = (def ->> 'retention')::interval, pack_after = (def ->> 'pack_after')::interval,
        -- new code: every built point is now the output of older code (README "Code versions")
        code_stale_points = case when v.code_hash is not null and v.code_hash is distinct from def ->> 'code_hash'
                                 then v.coverage else v.code_stale_points end,
        updated_at = now()
    where v.id = v_current.id
      and (v.description, v.builder, v.chunk, v.max_attempts, v.env_vars, v.tags, v.builder_sql, v.transform,
           v.write_conflict, v.refresh_on_write, v.refresh_schedule, v.per_key, v.timeout, v.code_hash, v.source, v.retention, v.pack_after) is distinct from
          (def ->> 'description', def ->> 'builder', (def ->> 'chunk')::integer, (def ->> 'max_attempts')::integer,
           (def ->> 'env_vars')::boolean, def -> 'tags', v_sql, v_transform, def ->> 'write_conflict',
           (def ->> 'refresh_on_write')::boolean, def ->> 'refresh_schedule', (def ->> 'per_key')::boolean,
           (def ->> 'timeout')::interval, def ->> 'code_hash', v_source, (def ->> 'retention')::interval, (def ->> 'pack_after')::interval);
    status := case when found then 'updated' else 'unchanged' end;
    return;
  end if;

  select v.name || ' ' || v.version into v_other from ds_private.dataset_versions v where v.table_name = def ->> 'table_name';
  if v_other is not null then
    perform ds_private.raise_definition_error('DS014', format('table name %s is taken', def ->> 'table_name'),
      def ->> 'name', def ->> 'version', 'version', format('%s already has the table ds_data.%s', v_other, def ->> 'table_name'),
      'Use a version that differs after replacing . and - by _.');
  end if;
  insert into ds_private.dataset_versions (dataset_id, name, version, major, minor, patch, prerelease, description, builder,
    calendar, granularity, step, start_at, schema, key, chunk, max_attempts, env_vars, tags, table_name, builder_sql, transform,
    write_conflict, refresh_on_write, refresh_schedule, per_key, timeout, code_hash, source, partition_interval, retention, pack_after)
  values (dataset_id, def ->> 'name', def ->> 'version', (def ->> 'major')::integer, (def ->> 'minor')::integer,
    (def ->> 'patch')::integer, def ->> 'prerelease', def ->> 'description', def ->> 'builder', def ->> 'calendar',
    def ->> 'granularity', (def ->> 'step')::interval, (def ->> 'start_at')::timestamptz, def -> 'schema',
    array(select jsonb_array_elements_text(def -> 'key')), (def ->> 'chunk')::integer, (def ->> 'max_attempts')::integer,
    (def ->> 'env_vars')::boolean, def -> 'tags', def ->> 'table_name', def ->> 'builder_sql', v_transform,
    def ->> 'write_conflict', (def ->> 'refresh_on_write')::boolean, def ->> 'refresh_schedule', (def ->> 'per_key')::boolean,
    (def ->> 'timeout')::interval, def ->> 'code_hash', v_source, (def ->> 'partition_interval')::interval, (def ->> 'retention')::interval, (def ->> 'pack_after')::interval)
  returning id into version_id;
  status := 'registered';
end;
$$;
comment on function ds_private.upsert_dataset_version(jsonb) is 'Registers one resolved definition: inserts a new version (and its dataset), updates the mutable fields of a registered one, or leaves it unchanged; raises DS011 or DS014.';
