-- [storage] of a definition (docs/storage.md): partition, the size of one time partition of
-- the version's table (default from the granularity); retention, how long its data is kept
-- (default: forever); pack-after, the age from which its partitions are packed (default:
-- never). All durations (kernel/parse_duration.sql).

create or replace function ds_private.resolve_storage(definition jsonb, step interval, out partition_interval interval, out retention interval,
  out pack_after interval)
language plpgsql volatile as $$
declare
  v_name text := definition ->> 'name';
  v_version text := definition ->> 'version';
  v_storage jsonb := coalesce(definition -> 'storage', '{}');
  v_field text;
begin
  select f into v_field from jsonb_object_keys(case when jsonb_typeof(v_storage) = 'object' then v_storage else '{}' end) f
  where f not in ('partition', 'retention', 'pack_after') limit 1;
  if jsonb_typeof(v_storage) <> 'object' or v_field is not null then
    perform ds_private.raise_definition_error('DS063', 'invalid [storage]', v_name, v_version, coalesce('storage.' || v_field, 'storage'),
      format('[storage] has the fields partition, retention and pack-after (durations), got %s', left(v_storage::text, 200)),
      'Write for example [storage] partition = "1 month" and retention = "365d".');
  end if;
  partition_interval := ds_private.storage_duration(v_storage -> 'partition', v_name, v_version, 'partition');
  retention := ds_private.storage_duration(v_storage -> 'retention', v_name, v_version, 'retention');
  pack_after := ds_private.storage_duration(v_storage -> 'pack_after', v_name, v_version, 'pack-after');
  if partition_interval is null then
    partition_interval := ds_private.default_partition_interval(step);
  elsif partition_interval < step then
    perform ds_private.raise_definition_error('DS063', 'partition shorter than the granularity', v_name, v_version, 'storage.partition',
      format('a partition of %s holds less than one point of granularity %s', v_storage ->> 'partition', definition ->> 'granularity'),
      'Use a partition at least as long as the granularity, or leave it out for the default.');
  end if;
end;
$$;
comment on function ds_private.resolve_storage(jsonb, interval) is 'Resolves [storage] of a definition: the partition size (default from the granularity; DS063 when malformed or shorter than the granularity), the retention (null: forever) and pack-after (null: never packed by the job); DS063 when malformed.';

create or replace function ds_private.storage_duration(value jsonb, dataset text, version text, field text) returns interval
language plpgsql volatile as $$
begin
  if value is null or value = 'null' then
    return null;
  end if;
  if jsonb_typeof(value) <> 'string' then
    perform ds_private.raise_definition_error('DS063', format('invalid %s', field), dataset, version, 'storage.' || field,
      format('%s is a duration string, got %s', field, value), 'Write for example "1 month", "30d" or "2 years".');
  end if;
  return ds_private.parse_duration(value #>> '{}');
exception when sqlstate 'DS063' then
  if jsonb_typeof(value) <> 'string' then
    raise;
  end if;
  perform ds_private.raise_definition_error('DS063', format('invalid %s %s', field, value), dataset, version, 'storage.' || field,
    'a duration is a positive integer and a unit: s, m, h, d, w, mo, y, or second, minute, hour, day, week, month, year (plural allowed)',
    'Write for example "1 month", "30d" or "2 years".');
end;
$$;
comment on function ds_private.storage_duration(jsonb, text, text, text) is 'Parses one duration of [storage] (null when absent); DS063 naming the field when it is not a duration string.';
