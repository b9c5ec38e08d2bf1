-- The PostgreSQL column type of a schema field type.

create or replace function ds_private.column_type(field_type text) returns text
language sql immutable strict parallel safe as $$
  select case field_type
    when 'str' then 'text' when 'int' then 'bigint' when 'float' then 'double precision'
    when 'bool' then 'boolean' when 'numeric' then 'numeric' when 'date' then 'date'
    when 'timestamp' then 'timestamptz' when 'json' then 'jsonb' end
$$;
comment on function ds_private.column_type(text) is 'The PostgreSQL column type of a schema type (str, int, float, bool, numeric, date, timestamp, json); null for an unknown type.';
