-- Shared by the built-in transforms (see docs/transforms.md): raises DS019 naming the
-- first parameter of a [transform] table that is not one of allowed.

create or replace function ds_private.check_transform_params(target ds_private.dataset_versions, kind text, params jsonb, allowed text[])
returns void
language plpgsql volatile as $$
declare
  v_key text := (select k from jsonb_object_keys(params) k where k <> all (allowed) order by k limit 1);
begin
  if v_key is not null then
    perform ds_private.raise_transform_error(target, kind, 'transform.' || v_key, format('unknown parameter %s', v_key),
      format('kind = "%s" takes %s.', kind, array_to_string(allowed, ', ')));
  end if;
end;
$$;
comment on function ds_private.check_transform_params(ds_private.dataset_versions, text, jsonb, text[]) is 'Raises DS019 naming the first parameter of a [transform] table that is not one of allowed.';
