-- Validation of a SQL builder's output, the guarantees of TypeScript builders
-- (worker/validate-rows.ts) in SQL: the statement is described first (column names and
-- types, planned with limit 0, never run), then its rows go through a select list that
-- checks each one on its way into the table. Every failure is DS017.

create or replace function ds_private.sql_builder_accepts(field_type text, source_type text) returns boolean
language sql immutable strict parallel safe as $$
  select source_type = any (case field_type
    when 'str' then '{text,"character varying",character}'
    when 'int' then '{smallint,integer,bigint}'
    when 'float' then '{"double precision",real,smallint,integer,bigint,numeric}'
    when 'numeric' then '{numeric,smallint,integer,bigint,"double precision",real}'
    when 'bool' then '{boolean}'
    when 'date' then '{date}'
    when 'timestamp' then '{"timestamp with time zone"}'
    when 'json' then '{jsonb,json}'
    when 'ts' then '{"timestamp with time zone"}' end::text[])
$$;
comment on function ds_private.sql_builder_accepts(text, text) is 'Whether a SQL builder column of the given PostgreSQL type may fill a schema field type (ts for the ts column): the values TypeScript builders may return, no lossy or text casts.';

create or replace function ds_private.sql_builder_error(label text, problem text, chunk text) returns void
language plpgsql volatile as $$
begin
  raise exception '%: %', label, problem using errcode = 'DS017',
    detail = format('Builder output failed validation; nothing of this chunk (%s) was written.', chunk),
    hint = 'A SQL builder returns ts plus exactly the fields of [schema], with their types, only at the chunk''s calendar points.';
end;
$$;
comment on function ds_private.sql_builder_error(text, text, text) is 'Raises DS017 for a SQL builder''s output: "<dataset> <version>[ at <ts>]: <problem>".';

create or replace function ds_private.sql_builder_row_error(label text, ts timestamptz, problem text, chunk text, type_of anyelement)
returns anyelement
language plpgsql volatile as $$
begin
  perform ds_private.sql_builder_error(label || coalesce(' at ' || to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), ''), problem, chunk);
  return type_of;
end;
$$;
comment on function ds_private.sql_builder_row_error(text, timestamptz, text, text, anyelement) is 'Raises DS017 for one row of a SQL builder, naming its timestamp; typed like its last argument so that it fits in a CASE of the checking select list.';

create or replace function ds_private.sql_builder_raise(problem_expr text, type_name text) returns text
language sql immutable strict parallel safe as $$
  select format('ds_private.sql_builder_row_error($6, s.ts, %s, $7, null::%s)', problem_expr, type_name)
$$;
comment on function ds_private.sql_builder_raise(text, text) is 'The SQL text of a call to ds_private.sql_builder_row_error for one check of the select list (problem_expr is an SQL expression).';

create or replace function ds_private.sql_builder_select_list(v ds_private.dataset_versions, chunk_start timestamptz, chunk_end timestamptz, lookback_start timestamptz)
returns text
language plpgsql volatile as $$
declare
  v_label text := v.name || ' ' || v.version;
  v_chunk text := format('%s .. %s', chunk_start, chunk_end);
  v_rec record;
  v_names text[];
  v_types text[];
  v_fields jsonb := jsonb_build_array(jsonb_build_object('name', 'ts', 'type', 'ts', 'nullable', false)) || v.schema;
  v_field jsonb;
  v_i integer;
  v_out text[] := '{}';
  v_expr text;
  v_check text;
begin
  execute format(E'select * from (%s\n) s limit 0', v.builder_sql) into v_rec using chunk_start, chunk_end, lookback_start;
  select coalesce(array_agg(k order by n), '{}') into v_names from json_object_keys(to_json(v_rec)) with ordinality c(k, n);
  select format('column "%s" appears twice', k) into v_check from unnest(v_names) k group by k having count(*) > 1 limit 1;
  v_check := coalesce(v_check,
    (select format('the SQL returns no column "%s"', f ->> 'name') from jsonb_array_elements(v_fields) f where f ->> 'name' <> all (v_names) limit 1),
    (select format('the SQL returns a column "%s" that is not in the schema', k) from unnest(v_names) k
     where not exists (select from jsonb_array_elements(v_fields) f where f ->> 'name' = k) limit 1));
  if v_check is not null then
    perform ds_private.sql_builder_error(v_label, v_check, v_chunk);
  end if;
  execute format(E'select array[%s] from (select) d left join (select * from (%s\n) q limit 0) s on true',
    (select string_agg(format('pg_typeof(s.%I)::text', f ->> 'name'), ', ' order by n) from jsonb_array_elements(v_fields) with ordinality e(f, n)),
    v.builder_sql) into v_types using chunk_start, chunk_end, lookback_start;
  for v_field, v_i in select f, n from jsonb_array_elements(v_fields) with ordinality e(f, n) loop
    if not ds_private.sql_builder_accepts(v_field ->> 'type', v_types[v_i]) then
      perform ds_private.sql_builder_error(v_label, format('column "%s" is %s, which does not fit a field of type %s',
        v_field ->> 'name', v_types[v_i], replace(v_field ->> 'type', 'ts', 'timestamptz')), v_chunk);
    end if;
    v_expr := format('s.%I', v_field ->> 'name');
    v_check := concat(
      case when not (v_field ->> 'nullable')::boolean then format(' when %s is null then %s', v_expr,
        ds_private.sql_builder_raise(format('%L', format('%s is null but not nullable', case when v_field ->> 'name' = 'ts' then 'ts' else format('field "%s"', v_field ->> 'name') end)), v_types[v_i])) end,
      case when v_field ->> 'name' = 'ts' then format(' when not (%1$s <@ $4 and date_bin($5, %1$s, timestamptz ''epoch'') = %1$s) then %2$s', v_expr,
        ds_private.sql_builder_raise('''a row at a timestamp that is not one of the chunk''''s calendar points''', v_types[v_i])) end,
      case when v_types[v_i] in ('double precision', 'real', 'numeric') then format(' when %s in (''NaN'', ''Infinity'', ''-Infinity'') then %s', v_expr,
        ds_private.sql_builder_raise(format('%L || %s::text || %L', format('field "%s" is ', v_field ->> 'name'), v_expr, ': NaN and Infinity are not allowed'), v_types[v_i])) end);
    v_out := v_out || case when v_check = '' then v_expr else format('case%s else %s end', v_check, v_expr) end;
  end loop;
  return array_to_string(v_out, ', ');
end;
$$;
comment on function ds_private.sql_builder_select_list(ds_private.dataset_versions, timestamptz, timestamptz, timestamptz) is 'Describes a SQL builder''s statement (planned with limit 0, not run) and returns the select list that inserts ts and the schema fields while checking each row (null, NaN/Infinity, ts at a chunk point: $4 points, $5 step, $6 label, $7 chunk); raises DS017 for a missing, extra or twice-named column or a type that does not fit.';
