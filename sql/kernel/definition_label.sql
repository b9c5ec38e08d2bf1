-- How a dataset definition is named in errors.

create or replace function ds_private.definition_label(dataset text, version text) returns text
language sql immutable parallel safe as $$
  select format('dataset "%s" version "%s"', coalesce(dataset, '?'), coalesce(version, '?'))
$$;
comment on function ds_private.definition_label(text, text) is 'The text naming a dataset version in registration errors: dataset "<name>" version "<version>".';
