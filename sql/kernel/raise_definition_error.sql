-- How registration reports a problem with one dataset definition: one SQLSTATE of class
-- DS, a short message, a DETAIL naming the dataset, version and field, and a HINT.
-- datasets/sync.ts finds the config file of the dataset from the DETAIL's
-- 'dataset "<name>" version "<version>"' prefix, so keep that format.

create or replace function ds_private.raise_definition_error(
  errcode text, summary text, dataset text, version text, field text, explanation text, fix text
) returns void
language plpgsql volatile as $$
begin
  raise exception using
    errcode = raise_definition_error.errcode,
    message = summary,
    detail = ds_private.definition_label(dataset, version)
      || case when field is null then '' else format(', field "%s"', field) end
      || ': ' || explanation,
    hint = fix;
end;
$$;
comment on function ds_private.raise_definition_error(text, text, text, text, text, text, text) is 'Raises a registration error (SQLSTATE errcode) whose DETAIL starts with the dataset, version and field concerned.';
