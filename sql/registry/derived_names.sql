-- Collisions of derived names (see naming.sql): a view name equal to a table name, or a
-- name already used by another relation in ds_data. Checked before anything is created.

create or replace function ds_private.ds_data_relation_exists(relation text) returns boolean
language sql stable strict as $$
  select exists (select from pg_catalog.pg_class c where c.relnamespace = 'ds_data'::regnamespace and c.relname = relation)
$$;
comment on function ds_private.ds_data_relation_exists(text) is 'True when a table, view, index or other relation of that name exists in ds_data.';

create or replace function ds_private.check_derived_names(version_ids integer[], dataset_ids integer[]) returns void
language plpgsql volatile as $$
declare
  v_hit record;
begin
  select d.name, v.name as other_name, v.version as other_version, d.view_name into v_hit
  from ds_private.datasets d join ds_private.dataset_versions v on v.table_name = d.view_name
  where d.id = any (dataset_ids) or v.id = any (version_ids)
  order by d.name limit 1;
  if v_hit.name is not null then
    perform ds_private.raise_definition_error('DS014', format('view name %s collides with a table name', v_hit.view_name),
      v_hit.other_name, v_hit.other_version, 'name',
      format('dataset "%s" would have the view ds_data.%s, which is also the table of %s %s', v_hit.name, v_hit.view_name, v_hit.other_name, v_hit.other_version),
      'Rename one of the datasets.');
  end if;

  select v.name, v.version, v.table_name into v_hit from ds_private.dataset_versions v
  where v.id = any (version_ids)
    and (ds_private.ds_data_relation_exists(v.table_name) or ds_private.ds_data_relation_exists(v.table_name || '_pkey'))
  order by v.name, v.version limit 1;
  if v_hit.name is not null then
    perform ds_private.raise_definition_error('DS014', format('relation ds_data.%s already exists', v_hit.table_name),
      v_hit.name, v_hit.version, 'name', format('the table ds_data.%s (or its primary key) would replace an existing relation', v_hit.table_name),
      'Rename the dataset or drop the other relation.');
  end if;

  select d.name, v.version, d.view_name into v_hit from ds_private.datasets d join ds_private.dataset_versions v on v.dataset_id = d.id
  where d.id = any (dataset_ids) and ds_private.ds_data_relation_exists(d.view_name)
  order by d.name, v.version limit 1;
  if v_hit.name is not null then
    perform ds_private.raise_definition_error('DS014', format('relation ds_data.%s already exists', v_hit.view_name),
      v_hit.name, v_hit.version, 'name', format('the view ds_data.%s would replace an existing relation', v_hit.view_name),
      'Rename the dataset or drop the other relation.');
  end if;
end;
$$;
comment on function ds_private.check_derived_names(integer[], integer[]) is 'Raises DS014 when the view or table names of new datasets and versions collide with each other or with relations in ds_data.';
