-- Where rows written from outside go: what `ds import` needs before it stages a file.

create or replace function ds_server.write_target(dataset text, version text) returns table (table_name text, schema jsonb)
language plpgsql stable as $$
declare
  v ds_private.dataset_versions := ds_private.find_version(dataset, version);
begin
  perform ds_private.check_written_dataset(v);
  return query select format('ds_store.%I', v.table_name), v.schema;
end;
$$;
comment on function ds_server.write_target(text, text) is 'The store of the typed table (ds_store."...", quoted: what staging tables are made like) and schema of a dataset fed from outside, to stage rows for ds.import_staged; DS001/DS002 for an unknown version, DS028 for a built dataset.';
