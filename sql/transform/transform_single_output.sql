-- Shared by the built-in transforms (see docs/transforms.md): the one field (besides the
-- key) of a transform with one output, and its column type.

create or replace function ds_private.transform_single_output(target ds_private.dataset_versions, kind text, allowed text[], why text,
  out name text, out column_type text)
language plpgsql volatile as $$
declare
  v_outputs jsonb := ds_private.transform_outputs(target);
begin
  if jsonb_array_length(v_outputs) <> 1 then
    perform ds_private.raise_transform_error(target, kind, 'schema',
      format('%s computes one field, but the schema has %s besides the key (%s)', kind, jsonb_array_length(v_outputs),
             coalesce((select string_agg(f ->> 'name', ', ') from jsonb_array_elements(v_outputs) f), 'none')),
      format('Declare exactly one field of type %s besides the key columns.', array_to_string(allowed, ' or ')));
  end if;
  name := v_outputs -> 0 ->> 'name';
  column_type := ds_private.check_transform_type(target, kind, name, allowed, why);
end;
$$;
comment on function ds_private.transform_single_output(ds_private.dataset_versions, text, text[], text) is 'The one field (besides the key) of a transform with one output, and its column type; DS019 when there is not exactly one or its type is not allowed.';
