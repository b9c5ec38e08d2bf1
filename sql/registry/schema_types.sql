-- Schema of a dataset version: an ordered, non-empty array of {"name","type","nullable"}.
-- Types and their columns: str text, int bigint, float double precision, bool boolean,
-- numeric numeric, date date, timestamp timestamptz, json jsonb.

create or replace function ds_private.normalize_schema(schema jsonb, dataset text, version text) returns jsonb
language plpgsql volatile as $$
declare
  v_field jsonb;
  v_ord bigint;
  v_name text;
  v_type text;
  v_out jsonb := '[]';
begin
  if jsonb_typeof(schema) is distinct from 'array' or jsonb_array_length(schema) = 0 then
    perform ds_private.raise_definition_error('DS005', 'empty schema', dataset, version, 'schema',
      'a dataset needs at least one field besides ts', 'Add fields under [schema], for example close = "float".');
  end if;
  for v_field, v_ord in select value, ordinality from jsonb_array_elements(schema) with ordinality loop
    v_name := v_field ->> 'name';
    v_type := v_field ->> 'type';
    if v_name is null or v_name !~ '^[a-z_][a-z0-9_]*$' or octet_length(v_name) > 63 or v_name = 'ts' then
      perform ds_private.raise_definition_error('DS005', format('invalid field name %s', coalesce(quote_literal(v_name), 'null')),
        dataset, version, 'schema.' || coalesce(v_name, v_ord::text),
        'a field name matches ^[a-z_][a-z0-9_]*$, has at most 63 bytes and is not ts (every table has ts)',
        'Rename the field, for example close_price.');
    end if;
    if v_out @> jsonb_build_array(jsonb_build_object('name', v_name)) then
      perform ds_private.raise_definition_error('DS005', format('duplicate field %L', v_name),
        dataset, version, 'schema.' || v_name, 'the field is declared twice', 'Keep one declaration.');
    end if;
    if ds_private.column_type(v_type) is null then
      perform ds_private.raise_definition_error('DS005', format('unknown schema type %s', coalesce(quote_literal(v_type), 'null')),
        dataset, version, 'schema.' || v_name, 'known types: str, int, float, bool, numeric, date, timestamp, json',
        'Use one of the known types; append ? (for example "float?") to make it nullable.');
    end if;
    if jsonb_typeof(coalesce(v_field -> 'nullable', 'false')) <> 'boolean' then
      perform ds_private.raise_definition_error('DS005', 'nullable must be a boolean',
        dataset, version, 'schema.' || v_name, format('nullable is %s', v_field -> 'nullable'), 'Write nullable = true or false.');
    end if;
    v_out := v_out || jsonb_build_array(jsonb_build_object(
      'name', v_name, 'type', v_type, 'nullable', coalesce((v_field ->> 'nullable')::boolean, false)));
  end loop;
  return v_out;
end;
$$;
comment on function ds_private.normalize_schema(jsonb, text, text) is 'Validates a schema (non-empty, valid unique field names other than ts, known types) and returns it as [{name, type, nullable}]; raises DS005.';

create or replace function ds_private.normalize_key(key jsonb, schema jsonb, dataset text, version text) returns text[]
language plpgsql volatile as $$
declare
  v_column jsonb;
  v_field jsonb;
  v_out text[] := '{}';
begin
  if key is null or jsonb_typeof(key) = 'null' then
    key := '[]';
  end if;
  if jsonb_typeof(key) <> 'array' then
    perform ds_private.raise_definition_error('DS005', 'key must be an array of field names', dataset, version, 'key',
      format('key is %s', key), 'Write for example key = ["ticker"].');
  end if;
  for v_column in select value from jsonb_array_elements(key) loop
    select f into v_field from jsonb_array_elements(schema) f where f ->> 'name' = v_column #>> '{}';
    if jsonb_typeof(v_column) <> 'string' or v_field is null or v_column #>> '{}' = any (v_out) then
      perform ds_private.raise_definition_error('DS005', format('invalid key column %s', v_column), dataset, version, 'key',
        'each key column must be a field of the schema, listed once', 'List schema fields in key, for example key = ["ticker"].');
    end if;
    if (v_field ->> 'nullable')::boolean then
      perform ds_private.raise_definition_error('DS005', format('key column %s is nullable', v_column), dataset, version, 'key',
        'key columns are part of the primary key and cannot be null', 'Declare the field without ?.');
    end if;
    v_out := v_out || (v_column #>> '{}');
  end loop;
  if cardinality(v_out) = 0 and schema @> '[{"name": "row_number"}]' then
    perform ds_private.raise_definition_error('DS005', 'field row_number in a dataset without key', dataset, version, 'schema.row_number',
      'the table of a dataset without key has the implicit column row_number (the position of a row among its timestamp''s rows)',
      'Rename the field, or declare a key (key = ["..."]).');
  end if;
  return v_out;
end;
$$;
comment on function ds_private.normalize_key(jsonb, jsonb, text, text) is 'Validates the key columns (schema fields, not nullable, each once; no field row_number without key, the implicit column) and returns them as text[]; raises DS005.';

create or replace function ds_private.default_chunk(step interval) returns integer
language sql immutable strict parallel safe as $$
  select case when step >= interval '1 day' then 100
              else least(10000, greatest(1, floor(7 * 86400 / extract(epoch from step))::integer)) end
$$;
comment on function ds_private.default_chunk(interval) is 'Points per job when config.toml sets no chunk: 100 for steps of a day or more, else the points of one week capped at 10000 (1m: 10000, 5m: 2016, 1h: 168): per-chunk overhead is a few ms, so small chunks of fine data waste time.';
