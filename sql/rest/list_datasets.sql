-- The catalog as the original builder server's GET /datasets gives it: every registered
-- version with whether it holds any row.

create or replace function ds_server.list_datasets() returns table (name text, version text, has_data boolean)
language plpgsql stable as $$
declare
  v_version record;
begin
  for v_version in
    select dv.name, dv.version, dv.table_name from ds_private.dataset_versions dv
    order by dv.name, dv.major, dv.minor, dv.patch, dv.prerelease is null,
             ds_private.prerelease_key(dv.prerelease) collate "C"
  loop
    name := v_version.name;
    version := v_version.version;
    execute format('select exists (select from ds_data.%I)', v_version.table_name) into has_data;
    return next;
  end loop;
end;
$$;
comment on function ds_server.list_datasets() is 'Every registered dataset version, by name and then semver order, with has_data true when its table holds at least one row (a built-empty range has none).';
