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

create or replace function ds_private.data_text_sql(schema jsonb, alias text) returns text
language sql immutable parallel safe as $$
  -- jsonb's own text, written out: keys sorted as jsonb sorts them (shorter first, then
  -- bytewise), ": " and ", ", numbers as jsonb prints what it parsed from their text (no
  -- exponent, no -0), NaN and infinities as strings, dates and timestamps as to_json prints
  -- them, null as null. concat takes 100 arguments: fields go in groups of 40, joined with ||
  select string_agg(g.part, ' || ' order by g.n) || ' || ''}'''
  from (select (f.ord - 1) / 40 as n,
               format('concat(%s)', string_agg(format('%L, coalesce(%s, ''null'')',
                 case when f.ord = 1 then '{' else ', ' end || to_json(f.name)::text || ': ',
                 case f.type
                   when 'str' then format('to_json(%s)::text', f.col)
                   when 'date' then format('to_json(%s)::text', f.col)
                   when 'timestamp' then format('to_json(%s)::text', f.col)
                   when 'float' then format($e$case when %1$s = 0 then '0' when %1$s in ('NaN', 'Infinity', '-Infinity') then '"' || %1$s::text || '"' when strpos(%1$s::text, 'e') = 0 then %1$s::text else %1$s::text::numeric::text end$e$, f.col)
                   when 'numeric' then format($e$case when %1$s in ('NaN', 'Infinity', '-Infinity') then '"' || %1$s::text || '"' else %1$s::text end$e$, f.col)
                   else format('%s::text', f.col) -- int, bool, json
                 end), ', ' order by f.ord)) as part
        from (select x.field ->> 'name' as name, x.field ->> 'type' as type, format('%I.%I', alias, x.field ->> 'name') as col,
                     row_number() over (order by octet_length(x.field ->> 'name'), (x.field ->> 'name') collate "C") as ord
              from jsonb_array_elements(schema) x(field)) f
        group by (f.ord - 1) / 40) g
$$;
comment on function ds_private.data_text_sql(jsonb, text) is 'The SQL expression of the text of the jsonb object that ds_private.data_object_sql builds (its ::text, byte for byte), written without building the jsonb: what the REST API returns as each row''s data.';

create or replace function ds_private.data_select_sql(version_id integer, start_param text, end_param text, as_text boolean default false) returns text
language plpgsql stable as $$
declare
  v ds_private.dataset_versions := (select r from ds_private.dataset_versions r where r.id = version_id);
begin
  return format('select t.ts, %s as data from ds_data.%I(%s, %s) t',
                case when as_text then ds_private.data_text_sql(v.schema, 't') else ds_private.data_object_sql(v.schema, 't') end,
                ds_private.version_read_name(v.table_name), start_param, end_param);
end;
$$;
comment on function ds_private.data_select_sql(integer, text, text, boolean) is 'The query (ts, data) of the rows of a dataset version in [start, end], ordered by ts and key, through its typed read ds_data.<table>_rows: start_param and end_param are SQL expressions (parameters such as $1); data is ds.data''s jsonb, or with as_text its text (ds_private.data_text_sql).';
