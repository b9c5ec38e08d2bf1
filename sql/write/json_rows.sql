-- The rows of ds.write: a JSON array of objects {ts, field...}, checked like a builder's
-- rows (worker/validate-rows.ts: every field, no extra one, types, nulls; NaN and Infinity
-- can only come as strings and are refused) in one set-based pass, then converted to the
-- table's column types in the write statement. A value that passes these checks but does
-- not convert (2024-02-30, an out-of-range number) fails that statement; the row is then
-- found by ds_private.json_cast_problem. Every problem is DS017 naming rows[i].

create or replace function ds_private.json_value_sql(field_type text, value_sql text) returns text
language sql immutable strict parallel safe as $$
  select case field_type
    when 'str' then format('(%s #>> ''{}'')', value_sql)
    when 'int' then format('(%s)::numeric::bigint', value_sql)
    when 'float' then format('(%s)::numeric::float8', value_sql)
    when 'numeric' then format('(%s #>> ''{}'')::numeric', value_sql)
    when 'bool' then format('(%s)::boolean', value_sql)
    when 'date' then format('(%s #>> ''{}'')::date', value_sql)
    when 'timestamp' then format('(%s #>> ''{}'')::timestamptz', value_sql)
    when 'json' then format('nullif(%s, ''null''::jsonb)', value_sql)
    when 'ts' then format('(%s #>> ''{}'')::timestamptz', value_sql) end
$$;
comment on function ds_private.json_value_sql(text, text) is 'The SQL converting a jsonb value (JSON null: SQL null) to the column type of a schema type (ts: the timestamp).';

create or replace function ds_private.json_rows_sql(v ds_private.dataset_versions) returns text
language sql stable as $$
  select format('select e.n - 1 as "N", %s from jsonb_array_elements($1) with ordinality e(r, n)',
    string_agg(format('%s as %I', ds_private.json_value_sql(f ->> 'type', format('nullif(e.r -> %L, ''null''::jsonb)', f ->> 'name')), f ->> 'name'), ', ' order by o))
  from jsonb_array_elements(jsonb_build_array(jsonb_build_object('name', 'ts', 'type', 'ts', 'nullable', false)) || v.schema) with ordinality x(f, o)
$$;
comment on function ds_private.json_rows_sql(ds_private.dataset_versions) is 'The write source of ds.write: a SELECT of "N" (the 0-based index in the array), ts and every field, converted, from the JSON array $1.';

create or replace function ds_private.json_type_problem_sql(field_type text, x text) returns text
language sql immutable strict parallel safe as $$
  -- an SQL text expression: why the jsonb value x (not null) does not fit, or null
  select case field_type
    when 'str' then format('case when jsonb_typeof(%1$s) <> ''string'' then ''expected a string'' end', x)
    when 'int' then format('case when jsonb_typeof(%1$s) <> ''number'' then ''expected an integer'' '
                           'when (%1$s)::numeric <> trunc((%1$s)::numeric) then ''expected an integer'' '
                           'when (%1$s)::numeric not between -9223372036854775808 and 9223372036854775807 then ''integer outside the range of int (64 bits)'' end', x)
    when 'float' then format('case when %1$s #>> ''{}'' in (''NaN'', ''Infinity'', ''-Infinity'') then ''NaN and Infinity are not allowed'' '
                             'when jsonb_typeof(%1$s) <> ''number'' then ''expected a number'' end', x)
    when 'numeric' then format('case when %1$s #>> ''{}'' in (''NaN'', ''Infinity'', ''-Infinity'') then ''NaN and Infinity are not allowed'' '
                               'when jsonb_typeof(%1$s) = ''number'' then null '
                               'when jsonb_typeof(%1$s) <> ''string'' or %1$s #>> ''{}'' !~ ''^-?\d+(\.\d+)?([eE][-+]?\d+)?$'' then ''expected a number or a decimal string'' end', x)
    when 'bool' then format('case when jsonb_typeof(%1$s) <> ''boolean'' then ''expected true or false'' end', x)
    when 'date' then format('case when jsonb_typeof(%1$s) <> ''string'' or %1$s #>> ''{}'' !~ ''^\d{4}-\d{2}-\d{2}$'' then ''expected a YYYY-MM-DD string'' end', x)
    when 'timestamp' then format('case when jsonb_typeof(%1$s) <> ''string'' then ''expected an ISO 8601 string'' end', x)
    when 'ts' then format('case when jsonb_typeof(%1$s) <> ''string'' then ''expected an ISO 8601 string'' end', x)
    else 'null::text' end
$$;
comment on function ds_private.json_type_problem_sql(text, text) is 'SQL text of an expression saying why a (non-null) jsonb value does not fit a schema type, or null when it fits (conversion errors such as 2024-02-30 are found later).';

create or replace function ds_private.json_row_problem_sql(v ds_private.dataset_versions) returns text
language sql stable as $$
  -- one CASE per row: not an object, then per field (ts first) missing, null, type; then an extra field
  select format(E'case when jsonb_typeof(e.r) <> ''object'' then format(''is %%s, not an object'', jsonb_typeof(e.r))%s\n'
                'when e.r - %2$L::text[] <> ''{}'' then (select format(''has a field "%%s" that is not in the schema'', min(k)) from jsonb_object_keys(e.r - %2$L::text[]) k) end',
    string_agg(format(E'\n  when not e.r ? %1$L then %2$L%3$s\n  when e.r -> %1$L <> ''null'' and (%4$s) is not null then %5$L || (%4$s) || '', got '' || left((e.r -> %1$L)::text, 40)',
        f ->> 'name',
        case when f ->> 'name' = 'ts' then 'has no field "ts"' else format('has no field "%s"', f ->> 'name') end,
        case when not (f ->> 'nullable')::boolean then format(E'\n  when e.r -> %L = ''null'' then %L', f ->> 'name',
          case when f ->> 'name' = 'ts' then 'ts is null' else format('field "%s" is null but not nullable', f ->> 'name') end) else '' end,
        ds_private.json_type_problem_sql(f ->> 'type', format('e.r -> %L', f ->> 'name')),
        case when f ->> 'name' = 'ts' then 'ts: ' else format('field "%s" (%s): ', f ->> 'name', f ->> 'type') end), '' order by o),
    array['ts'] || array(select s ->> 'name' from jsonb_array_elements(v.schema) s))
  from jsonb_array_elements(jsonb_build_array(jsonb_build_object('name', 'ts', 'type', 'ts', 'nullable', false)) || v.schema) with ordinality x(f, o)
$$;
comment on function ds_private.json_row_problem_sql(ds_private.dataset_versions) is 'SQL text of a CASE over one JSON row e.r: what is wrong with it (not an object, a field missing, null but not nullable, of the wrong JSON type, an extra field), or null.';

create or replace function ds_private.raise_write_error(v ds_private.dataset_versions, row_label text, problem text) returns boolean
language plpgsql volatile as $$
begin
  raise exception '% %: %: %', v.name, v.version, row_label, problem using errcode = 'DS017',
    detail = 'The rows failed validation; nothing was written.',
    hint = 'Write ts (ISO 8601; UTC unless it has an offset, at or after the start date) and exactly the fields of [schema], with their types.';
end;
$$;
comment on function ds_private.raise_write_error(ds_private.dataset_versions, text, text) is 'Raises DS017 for a row of a write: "<dataset> <version>: <row>: <problem>"; nothing is written.';

create or replace function ds_private.check_json_rows(v ds_private.dataset_versions, rows jsonb) returns void
language plpgsql volatile as $$
declare
  v_bad record;
begin
  if jsonb_typeof(rows) is distinct from 'array' then
    perform ds_private.raise_write_error(v, 'rows', format('expected a JSON array of objects, got %s', coalesce(jsonb_typeof(rows), 'null')));
  end if;
  execute format('select e.n - 1 as n, p.problem from jsonb_array_elements($1) with ordinality e(r, n), lateral (select %s as problem) p '
                 'where p.problem is not null order by e.n limit 1', ds_private.json_row_problem_sql(v))
    into v_bad using rows;
  if v_bad.n is not null then
    perform ds_private.raise_write_error(v, format('rows[%s]', v_bad.n), v_bad.problem);
  end if;
end;
$$;
comment on function ds_private.check_json_rows(ds_private.dataset_versions, jsonb) is 'Checks the rows of ds.write in one pass (a JSON array of objects with ts and exactly the schema''s fields, JSON types that fit); raises DS017 naming the first bad row.';

create or replace function ds_private.conversion_error(value jsonb, field_type text) returns text
language plpgsql volatile as $$
begin
  execute format('select %s', ds_private.json_value_sql(field_type, '$1')) using value;
  return null;
exception when data_exception then
  -- a value quoted in the message is cut short
  return regexp_replace(sqlerrm, '"([^"]{4})[^"]{40,}"', '"\1…"', 'g');
end;
$$;
comment on function ds_private.conversion_error(jsonb, text) is 'The error converting a jsonb value to the column type of a schema type, or null (one subtransaction per call: used only to find the row of a failed write).';

create or replace function ds_private.json_cast_problem(v ds_private.dataset_versions, rows jsonb, out n bigint, out problem text)
language sql volatile as $$
  select e.n - 1, case when f ->> 'name' = 'ts' then 'ts: ' else format('field "%s" (%s): ', f ->> 'name', f ->> 'type') end || x.err
  from jsonb_array_elements(rows) with ordinality e(r, n),
       jsonb_array_elements(jsonb_build_array(jsonb_build_object('name', 'ts', 'type', 'ts')) || v.schema) with ordinality s(f, o),
       lateral (select ds_private.conversion_error(e.r -> (f ->> 'name'), f ->> 'type') as err) x
  where f ->> 'type' in ('ts', 'int', 'float', 'numeric', 'date', 'timestamp') and coalesce(e.r -> (f ->> 'name'), 'null') <> 'null'
    and x.err is not null
  order by e.n, s.o limit 1
$$;
comment on function ds_private.json_cast_problem(ds_private.dataset_versions, jsonb) is 'The first row (0-based) and field of ds.write whose value does not convert to its column type, with the error; no row when all convert.';
