-- Shared by the built-in transforms (see docs/transforms.md): a string parameter of a
-- transform, or fallback when absent.

create or replace function ds_private.transform_text_param(target ds_private.dataset_versions, kind text, params jsonb, name text, fallback text)
returns text
language plpgsql volatile as $$
begin
  if coalesce(params -> name, 'null') = 'null' then
    return fallback;
  elsif jsonb_typeof(params -> name) <> 'string' or params ->> name = '' then
    perform ds_private.raise_transform_error(target, kind, 'transform.' || name,
      format('%s must be a non-empty string, got %s', name, params -> name), null);
  end if;
  return params ->> name;
end;
$$;
comment on function ds_private.transform_text_param(ds_private.dataset_versions, text, jsonb, text, text) is 'A string parameter of a transform, or fallback when absent; DS019 when it is not a non-empty string.';
