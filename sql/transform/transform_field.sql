-- Shared by the built-in transforms (see docs/transforms.md): the {name, type, nullable}
-- of a field of a schema.

create or replace function ds_private.transform_field(schema jsonb, name text) returns jsonb
language sql immutable parallel safe as $$
  select f from jsonb_array_elements(schema) f where f ->> 'name' = name limit 1
$$;
comment on function ds_private.transform_field(jsonb, text) is 'The {name, type, nullable} of a field of a schema; null when there is none of that name.';
