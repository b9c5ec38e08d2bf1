-- Shared by the built-in transforms (see docs/transforms.md): the column type of a target
-- field a transform computes.

create or replace function ds_private.check_transform_type(target ds_private.dataset_versions, kind text, field text, allowed text[], why text)
returns text
language plpgsql volatile as $$
declare
  v_type text := ds_private.transform_field(target.schema, field) ->> 'type';
begin
  if v_type is null or v_type <> all (allowed) then
    perform ds_private.raise_transform_error(target, kind, 'schema.' || field,
      case when v_type is null then format('the target has no field %s (%s)', field, why)
           else format('%s is %s but must be %s (%s)', field, v_type, array_to_string(allowed, ' or '), why) end,
      format('Declare %s = "%s" under [schema].', field, allowed[1]));
  end if;
  return ds_private.column_type(v_type);
end;
$$;
comment on function ds_private.check_transform_type(ds_private.dataset_versions, text, text, text[], text) is 'The column type of a target field a transform computes; DS019 naming schema.<field> when the field is missing or its type is not one of allowed.';
