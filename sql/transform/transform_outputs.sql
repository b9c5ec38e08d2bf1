-- Shared by the built-in transforms (see docs/transforms.md): the fields of a target
-- schema that a transform computes: every field that is not a key column, in declaration
-- order.

create or replace function ds_private.transform_outputs(target ds_private.dataset_versions) returns jsonb
language sql immutable parallel safe as $$
  select coalesce(jsonb_agg(f order by n), '[]') from jsonb_array_elements(target.schema) with ordinality e(f, n)
  where f ->> 'name' <> all (target.key)
$$;
comment on function ds_private.transform_outputs(ds_private.dataset_versions) is 'The fields of a target schema that a transform computes: every field that is not a key column, in declaration order.';
