-- Shared by the built-in transforms (see docs/transforms.md): raises DS019 unless the
-- target has the source's key columns (same names, order and types).

create or replace function ds_private.check_transform_key(target ds_private.dataset_versions, kind text, source ds_private.dataset_versions)
returns void
language plpgsql volatile as $$
declare
  v_column text;
begin
  if target.key is distinct from source.key then
    perform ds_private.raise_transform_error(target, kind, 'key',
      format('key is [%s] but the source %s %s has key [%s]: a transform works per key of its source',
        array_to_string(target.key, ', '), source.name, source.version, array_to_string(source.key, ', ')),
      format('Declare key = [%s].', (select string_agg(format('"%s"', k), ', ') from unnest(source.key) k)));
  end if;
  foreach v_column in array target.key loop
    if ds_private.transform_field(target.schema, v_column) ->> 'type' is distinct from ds_private.transform_field(source.schema, v_column) ->> 'type' then
      perform ds_private.raise_transform_error(target, kind, 'schema.' || v_column,
        format('key column %s is %s here but %s in %s %s', v_column, ds_private.transform_field(target.schema, v_column) ->> 'type',
          ds_private.transform_field(source.schema, v_column) ->> 'type', source.name, source.version),
        'Give the key columns the types of the source''s.');
    end if;
  end loop;
end;
$$;
comment on function ds_private.check_transform_key(ds_private.dataset_versions, text, ds_private.dataset_versions) is 'Raises DS019 unless the target has the source''s key columns (same names, order and types).';
