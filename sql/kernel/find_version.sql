-- Looking up a dataset version by name, with the error every ds function uses.

create or replace function ds_private.find_version(dataset text, version text) returns ds_private.dataset_versions
language plpgsql stable as $$
declare
  v_row ds_private.dataset_versions;
begin
  select * into v_row from ds_private.dataset_versions dv
  where dv.name = find_version.dataset and dv.version = find_version.version;
  if not found then
    -- a version that is no version is said so first (DS002), whether or not the dataset exists
    perform ds_private.parse_semver(dataset, version);
    -- "dataset NAME/VERSION not found": the original builder server's words
    raise exception 'dataset %/% not found', coalesce(dataset, 'null'), coalesce(version, 'null')
      using errcode = 'DS001',
            detail = coalesce((select 'registered versions of ' || dataset || ': ' || string_agg(dv.version, ', ' order by dv.major, dv.minor, dv.patch)
                               from ds_private.dataset_versions dv where dv.name = find_version.dataset), 'no dataset of that name is registered'),
            hint = 'Run ds sync after adding builders/<name>/<version>/config.toml; select name, version from ds.datasets lists what is registered.';
  end if;
  return v_row;
end;
$$;
comment on function ds_private.find_version(text, text) is 'The registered dataset version of that name and version; raises DS002 when version is not a semantic version, DS001 when there is no such version.';
