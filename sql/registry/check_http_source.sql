-- A [source] of kind "http": a vendor's URL template with the chunk's range (and symbol),
-- a JSON or CSV response, and the mapping of its columns onto the schema's fields.

create or replace function ds_private.check_http_source(source jsonb, schema jsonb, key text[], dataset text, version text) returns void
language plpgsql volatile as $$
declare
  v_field text;
  v_url text := source ->> 'url';
begin
  select f into v_field from jsonb_object_keys(source) f
  where f <> all (array['kind', 'url', 'format', 'rows', 'fields', 'ts_unit', 'symbols', 'api_url', 'api_url_env', 'rate_limit', 'retries',
                        'backoff_ms', 'auth_header', 'credentials']);
  if v_field is not null then
    perform ds_private.raise_definition_error('DS059', format('unknown field %L', v_field), dataset, version, 'source.' || v_field,
      'an http source has kind, url, format, rows, fields, ts-unit, symbols, api-url, api-url-env, rate-limit, retries, backoff-ms, auth-header and credentials',
      'Remove it.');
  end if;
  if coalesce(v_url, '') !~ '^https?://[^/\s?#]+' then
    perform ds_private.raise_definition_error('DS059', 'invalid url', dataset, version, 'source.url',
      format('url is an http(s) URL template, got %s', coalesce(source -> 'url', 'nothing')),
      'Write for example url = "https://vendor.example/bars?from={start}&to={end}".');
  end if;
  select m[1] into v_field from regexp_matches(v_url, '\{([^}]*)\}', 'g') m
  where m[1] <> all (array['start', 'end', 'start_ms', 'end_ms', 'start_s', 'end_s', 'symbol']) limit 1;
  if v_field is not null or (source ? 'symbols') <> (v_url like '%{symbol}%') then
    perform ds_private.raise_definition_error('DS059', 'invalid url template', dataset, version, 'source.url',
      coalesce(format('unknown placeholder {%s}', v_field), 'the url has {symbol} exactly when symbols are listed')
        || '; the placeholders are {start}, {end} (ISO 8601), {start_ms}, {end_ms}, {start_s}, {end_s} and {symbol}',
      'Use the known placeholders; the range is [start, end).');
  end if;
  if coalesce(source ->> 'format', 'json') not in ('json', 'csv') or coalesce(source ->> 'ts_unit', 'iso') not in ('iso', 'ms', 's')
     or jsonb_typeof(coalesce(source -> 'rows', '""')) <> 'string' or (source ? 'rows' and source ->> 'format' = 'csv')
     or jsonb_typeof(coalesce(source -> 'auth_header', '""')) <> 'string' or coalesce(source ->> 'credentials', 'X') !~ '^[A-Z][A-Z0-9_]{0,39}$' then
    perform ds_private.raise_definition_error('DS059', 'invalid http source', dataset, version, 'source',
      'format is json or csv, ts-unit iso, ms or s, rows a dotted path into a JSON response, auth-header a header name, credentials an upper-case name',
      'See the README''s "Sources".');
  end if;
  if jsonb_typeof(coalesce(source -> 'fields', '{}')) <> 'object'
     or exists (select from jsonb_each(coalesce(source -> 'fields', '{}')) f
                where jsonb_typeof(f.value) <> 'string' or (f.key <> 'ts' and ds_private.transform_field(schema, f.key) is null)
                   or (f.key = 'symbol' and source ? 'symbols')) then
    perform ds_private.raise_definition_error('DS059', 'invalid fields', dataset, version, 'source.fields',
      format('fields maps ts and schema fields (other than a listed symbol) to response columns, got %s', left((source -> 'fields')::text, 200)),
      'Write for example fields = { ts = "time", close = "c" }; an unmapped field reads the column of its own name.');
  end if;
end;
$$;
comment on function ds_private.check_http_source(jsonb, jsonb, text[], text, text) is 'Checks a [source] of kind http: its fields, the URL template and its placeholders, format, rows path, ts unit and field mapping; raises DS059.';
