-- The jsonb object of a stored row's fields, as SQL text: the data column of ds.data and of REST reads.

create or replace function ds_private.data_object_sql(schema jsonb, alias text) returns text
language sql immutable parallel safe as $$
  -- built from the schema's fields (not to_jsonb(t) - 'ts', which formats ts and then drops
  -- it; without key, row_number is left out): jsonb_build_object takes 50 pairs, so fields
  -- go in groups of 50, joined with ||
  select coalesce(string_agg(g.object, ' || ' order by g.part), '''{}''::jsonb')
  from (select (f.ord - 1) / 50 as part,
               format('jsonb_build_object(%s)', string_agg(format('%L, %I.%I', f.field ->> 'name', alias, f.field ->> 'name'), ', ' order by f.ord)) as object
        from jsonb_array_elements(schema) with ordinality f(field, ord)
        group by (f.ord - 1) / 50) g
$$;
comment on function ds_private.data_object_sql(jsonb, text) is 'The SQL expression of the jsonb object {field: value} of a row of a dataset version with this schema, whose columns are read as alias.field: the data of ds.data and of the REST API''s reads.';

create or replace function ds_private.data_select_sql(version_id integer, start_param text, end_param text) returns text
language plpgsql stable as $$
declare
  v ds_private.dataset_versions := (select r from ds_private.dataset_versions r where r.id = version_id);
begin
  return format('select t.ts, %s as data from ds_data.%I(%s, %s) t',
                ds_private.data_object_sql(v.schema, 't'), ds_private.version_read_name(v.table_name), start_param, end_param);
end;
$$;
comment on function ds_private.data_select_sql(integer, text, text) is 'The query (ts, data jsonb) of the rows of a dataset version in [start, end], ordered by ts and key, through its typed read ds_data.<table>_rows: start_param and end_param are SQL expressions (parameters such as $1).';
