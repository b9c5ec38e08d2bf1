-- Shared by the built-in transforms (see docs/transforms.md): the source column a point-
-- by-point transform reads: the field parameter, or the source's only int/float/numeric
-- non-key column.

create or replace function ds_private.transform_value_field(target ds_private.dataset_versions, kind text, params jsonb, source ds_private.dataset_versions)
returns text
language plpgsql volatile as $$
declare
  v_field text := ds_private.transform_text_param(target, kind, params, 'field', null);
  v_candidates text[] := array(select f ->> 'name' from jsonb_array_elements(source.schema) f
                               where f ->> 'name' <> all (source.key) and f ->> 'type' in ('int', 'float', 'numeric'));
begin
  if v_field is null and cardinality(v_candidates) = 1 then
    return v_candidates[1];
  elsif v_field is null then
    perform ds_private.raise_transform_error(target, kind, 'transform.field',
      format('%s %s has %s numeric columns: say which one with field', source.name, source.version, cardinality(v_candidates)),
      format('Write field = "<column>" (one of %s).', coalesce(nullif(array_to_string(v_candidates, ', '), ''), 'none')));
  elsif v_field <> all (v_candidates) then
    perform ds_private.raise_transform_error(target, kind, 'transform.field',
      format('%s is not a column of type int, float or numeric in %s %s', v_field, source.name, source.version),
      format('Write field = "<column>" (one of %s).', coalesce(nullif(array_to_string(v_candidates, ', '), ''), 'none')));
  end if;
  return v_field;
end;
$$;
comment on function ds_private.transform_value_field(ds_private.dataset_versions, text, jsonb, ds_private.dataset_versions) is 'The source column a point-by-point transform reads: the field parameter, or the source''s only int/float/numeric non-key column; DS019 otherwise.';
