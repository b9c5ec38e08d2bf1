-- The [write] and [refresh] tables of a definition (docs/writes.md): a dataset written from
-- outside has a conflict policy and no dependencies; a derived dataset may be refreshed on
-- write or on a schedule, and is invalidated per key when its builder works per key.

create or replace function ds_private.resolve_write_policy(definition jsonb, schema jsonb, key text[], builder text,
  out write_conflict text, out refresh_on_write boolean, out refresh_schedule text, out per_key boolean)
language plpgsql volatile as $$
declare
  v_name text := definition ->> 'name';
  v_version text := definition ->> 'version';
  v_write jsonb := definition -> 'write';
  v_refresh jsonb := definition -> 'refresh';
  v_field text;
begin
  refresh_on_write := false;
  if v_write is not null then
    if jsonb_typeof(v_write) <> 'object' or exists (select from jsonb_object_keys(v_write) k where k <> 'conflict') then
      perform ds_private.raise_definition_error('DS019', 'invalid [write]', v_name, v_version, 'write',
        format('[write] has one field, conflict; got %s', left(v_write::text, 200)), 'Write [write] conflict = "last-write-wins".');
    end if;
    write_conflict := coalesce(v_write ->> 'conflict', 'last-write-wins');
    if write_conflict not in ('last-write-wins', 'merge-high-low', 'reject') then
      perform ds_private.raise_definition_error('DS019', format('unknown conflict policy %L', write_conflict), v_name, v_version, 'write.conflict',
        'the policies are last-write-wins, merge-high-low and reject', 'Write conflict = "last-write-wins" (the default).');
    end if;
    if write_conflict = 'merge-high-low' then
      foreach v_field in array array['high', 'low'] loop
        if coalesce(ds_private.transform_field(schema, v_field) ->> 'type', '') not in ('int', 'float', 'numeric') or v_field = any (key) then
          perform ds_private.raise_definition_error('DS019', 'merge-high-low needs high and low fields', v_name, v_version, 'write.conflict',
            format('merge-high-low keeps the greatest high and the least low of a (ts, key), but the schema has no %s field of type int, float or numeric outside the key', v_field),
            'Declare high and low numeric fields, or choose last-write-wins or reject.');
        end if;
      end loop;
    end if;
    if jsonb_array_length(coalesce(definition -> 'dependencies', '[]')) > 0 then
      perform ds_private.raise_definition_error('DS019', 'a written dataset has no dependencies', v_name, v_version, 'dependencies',
        'a dataset with [write] is fed from outside, it reads no other dataset', 'Remove [dependencies] (or [write]).');
    end if;
  end if;
  if v_refresh is not null then
    if builder = 'external' then
      perform ds_private.raise_definition_error('DS019', 'a written dataset is not refreshed', v_name, v_version, 'refresh',
        '[refresh] rebuilds a derived dataset; a dataset with [write] is never built', 'Put [refresh] in the datasets that depend on it.');
    end if;
    if jsonb_typeof(v_refresh) <> 'object'
       or exists (select from jsonb_object_keys(v_refresh) k where k not in ('on_write', 'schedule', 'per_key'))
       or jsonb_typeof(coalesce(v_refresh -> 'on_write', 'false')) <> 'boolean'
       or jsonb_typeof(coalesce(v_refresh -> 'per_key', 'false')) not in ('boolean', 'null')
       or jsonb_typeof(coalesce(v_refresh -> 'schedule', 'null')) not in ('string', 'null') then
      perform ds_private.raise_definition_error('DS019', 'invalid [refresh]', v_name, v_version, 'refresh',
        format('[refresh] has on-write (boolean), schedule (a cron expression) and per-key (boolean); got %s', left(v_refresh::text, 200)),
        'Write for example [refresh] on-write = true.');
    end if;
    refresh_on_write := coalesce((v_refresh ->> 'on_write')::boolean, false);
    refresh_schedule := v_refresh ->> 'schedule';
    if refresh_schedule is not null and refresh_schedule !~ '^\s*\S+(\s+\S+){4}\s*$' then
      perform ds_private.raise_definition_error('DS019', format('invalid schedule %L', refresh_schedule), v_name, v_version, 'refresh.schedule',
        'a schedule is a cron expression of five fields: minute hour day-of-month month day-of-week', 'Write for example schedule = "*/5 * * * *".');
    end if;
    per_key := (v_refresh ->> 'per_key')::boolean;
  end if;
  -- transforms work per key (docs/transforms.md); builders say so with per-key = true
  per_key := coalesce(per_key, definition ? 'transform');
end;
$$;
comment on function ds_private.resolve_write_policy(jsonb, jsonb, text[], text) is 'Resolves the [write] (conflict policy; merge-high-low needs numeric high and low fields; no dependencies) and [refresh] (on-write, schedule, per-key: default true for transforms) tables of a definition; raises DS019 naming the field.';
