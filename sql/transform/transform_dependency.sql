-- Shared by the built-in transforms (see docs/transforms.md): the dependency of the target
-- named name (any dependency when name is null and there is exactly one).

create or replace function ds_private.transform_dependency(target ds_private.dataset_versions, kind text, name text, field text)
returns ds_private.dataset_versions
language plpgsql volatile as $$
declare
  v_source ds_private.dataset_versions;
  v_count integer := (select count(*) from ds_private.dependencies d where d.dataset_version_id = target.id);
begin
  select dv.* into v_source from ds_private.dependencies d join ds_private.dataset_versions dv on dv.id = d.depends_on_id
  where d.dataset_version_id = target.id and (dv.name = transform_dependency.name or (transform_dependency.name is null and v_count = 1));
  if v_source.id is null then
    perform ds_private.raise_transform_error(target, kind, field,
      format('%s %s is not one of the dependencies (%s)', field, coalesce(name, '(none given)'),
        (select coalesce(string_agg(dv.name, ', ' order by dv.name), 'none') from ds_private.dependencies d
         join ds_private.dataset_versions dv on dv.id = d.depends_on_id where d.dataset_version_id = target.id)),
      format('Declare the source under [dependencies] and name it: %s = "<dependency>".', field));
  end if;
  return v_source;
end;
$$;
comment on function ds_private.transform_dependency(ds_private.dataset_versions, text, text, text) is 'The dependency of the target named name (any dependency when name is null and there is exactly one); DS019 naming field otherwise.';
