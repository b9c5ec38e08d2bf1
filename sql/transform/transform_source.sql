-- Shared by the built-in transforms (see docs/transforms.md): the dependency named by the
-- source parameter of a transform (optional when there is exactly one dependency).

create or replace function ds_private.transform_source(target ds_private.dataset_versions, kind text, params jsonb)
returns ds_private.dataset_versions
language plpgsql volatile as $$
begin
  return ds_private.transform_dependency(target, kind, ds_private.transform_text_param(target, kind, params, 'source', null), 'transform.source');
end;
$$;
comment on function ds_private.transform_source(ds_private.dataset_versions, text, jsonb) is 'The dependency named by the source parameter of a transform (optional when there is exactly one dependency); DS019 otherwise.';
