-- The error of building a dataset that is written from outside.

create or replace function ds_private.raise_not_built(v ds_private.dataset_versions) returns void
language plpgsql stable as $$
begin
  raise exception '% % is written, not built', v.name, v.version using errcode = 'DS026',
    detail = 'It has [write] in config.toml: its rows come from ds.write and ds import, and its dependents read what is there.',
    hint = format('Write rows with select * from ds.write(%L, %L, ''[{"ts": ...}]'') or ds import %s %s FILE.csv; build its dependents instead.',
                  v.name, v.version, v.name, v.version);
end;
$$;
comment on function ds_private.raise_not_built(ds_private.dataset_versions) is 'Raises DS026 "written, not built" for a dataset fed from outside.';
