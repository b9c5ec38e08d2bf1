-- Shared by the built-in transforms (see docs/transforms.md): a numeric parameter of a
-- transform as float8, or null when absent.

create or replace function ds_private.transform_number_param(target ds_private.dataset_versions, kind text, params jsonb, name text)
returns float8
language plpgsql volatile as $$
begin
  if coalesce(params -> name, 'null') = 'null' then
    return null;
  elsif jsonb_typeof(params -> name) = 'number' then
    begin
      return (params ->> name)::float8;
    exception when numeric_value_out_of_range then
      null; -- reported below
    end;
  end if;
  perform ds_private.raise_transform_error(target, kind, 'transform.' || name, format('%s must be a number, got %s', name, params -> name), null);
  return null;
end;
$$;
comment on function ds_private.transform_number_param(ds_private.dataset_versions, text, jsonb, text) is 'A numeric parameter of a transform as float8, or null when absent; DS019 when it is not a number within float8''s range.';
