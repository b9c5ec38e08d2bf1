-- Shared by the built-in transforms (see docs/transforms.md): raises DS019 "invalid <kind>
-- transform" with a DETAIL naming the dataset, version and field (transform.<param>,
-- schema.<field>, granularity, key or dependencies.<name>.lookback).

create or replace function ds_private.raise_transform_error(target ds_private.dataset_versions, kind text, field text, problem text, fix text)
returns void
language plpgsql volatile as $$
begin
  perform ds_private.raise_definition_error('DS019', format('invalid %s transform', kind), target.name, target.version,
    field, problem, coalesce(fix, 'See docs/transforms.md for the parameters of kind = "' || kind || '".'));
end;
$$;
comment on function ds_private.raise_transform_error(ds_private.dataset_versions, text, text, text, text) is 'Raises DS019 "invalid <kind> transform" with a DETAIL naming the dataset, version and field (transform.<param>, schema.<field>, granularity, key or dependencies.<name>.lookback).';
