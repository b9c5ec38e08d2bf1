-- The [source] table of a definition (README "Sources", docs/sources.md): a dataset fetched
-- from an exchange (kind "ccxt") or an HTTP vendor (kind "http") instead of built. It has no
-- builder, transform, [write] or dependencies; its builder shows as source:<kind>. The
-- fields common to both kinds are checked here, the kind's own in check_<kind>_source.

create or replace function ds_private.resolve_source(definition jsonb, schema jsonb, key text[]) returns jsonb
language plpgsql volatile as $$
declare
  v_name text := definition ->> 'name';
  v_version text := definition ->> 'version';
  v_source jsonb := definition -> 'source';
  v_kind text := v_source ->> 'kind';
  v_field text;
begin
  if jsonb_typeof(v_source) is distinct from 'object' or jsonb_typeof(v_source -> 'kind') is distinct from 'string' then
    perform ds_private.raise_definition_error('DS059', 'invalid [source]', v_name, v_version, 'source',
      format('[source] is a table with a kind ("ccxt" or "http") and its fields, got %s', left(v_source::text, 200)),
      'Write for example [source] kind = "ccxt" exchange = "binance" symbols = ["BTC/USDT"] fetch = "ohlcv".');
  end if;
  v_field := case when definition ? 'builder' or definition ? 'builder_sql' then 'builder' when definition ? 'transform' then 'transform'
                  when definition ? 'write' then 'write' when jsonb_array_length(coalesce(definition -> 'dependencies', '[]')) > 0 then 'dependencies' end;
  if v_field is not null then
    perform ds_private.raise_definition_error('DS059', format('a source dataset has no %s', v_field), v_name, v_version, v_field,
      'a dataset with [source] is fetched from an exchange or a vendor: no builder, [transform], [write] or [dependencies]',
      format('Remove %s (or [source]).', case v_field when 'builder' then 'the builder field' else '[' || v_field || ']' end));
  end if;
  if v_kind not in ('ccxt', 'http') then
    perform ds_private.raise_definition_error('DS059', format('unknown source kind %L', v_kind), v_name, v_version, 'source.kind',
      'the source kinds are ccxt (an exchange through the ccxt library) and http (a vendor''s URL)', 'Write kind = "ccxt" or kind = "http".');
  end if;
  if v_source ? 'api_url' and coalesce(v_source ->> 'api_url', '') !~ '^https?://[^/\s?#]+/?$' then
    perform ds_private.raise_definition_error('DS059', 'invalid api-url', v_name, v_version, 'source.api-url',
      format('api-url replaces the scheme, host and port of the source''s URLs: http(s)://host[:port], got %s', v_source -> 'api_url'),
      'Write for example api-url = "http://127.0.0.1:8080".');
  end if;
  if v_source ? 'api_url_env' and coalesce(v_source ->> 'api_url_env', '') !~ '^[A-Z_][A-Z0-9_]{0,62}$' then
    perform ds_private.raise_definition_error('DS059', 'invalid api-url-env', v_name, v_version, 'source.api-url-env',
      format('api-url-env names the environment variable of the worker that holds the api-url, got %s', v_source -> 'api_url_env'),
      'Write for example api-url-env = "DS_EXAMPLE_EXCHANGE_URL".');
  end if;
  foreach v_field in array array['rate_limit', 'page_size', 'retries', 'backoff_ms'] loop
    if v_source ? v_field and (jsonb_typeof(v_source -> v_field) <> 'number' or (v_source ->> v_field) !~ '^[0-9]{1,6}$'
                               or (v_field in ('page_size', 'retries') and (v_source ->> v_field)::integer = 0)) then
      perform ds_private.raise_definition_error('DS059', format('invalid %s', replace(v_field, '_', '-')), v_name, v_version,
        'source.' || replace(v_field, '_', '-'), format('%s is a %s integer, got %s', replace(v_field, '_', '-'),
        case when v_field in ('page_size', 'retries') then 'positive' else 'non-negative' end, v_source -> v_field),
        'See the README''s "Sources" for the fields of [source].');
    end if;
  end loop;
  if v_source ? 'symbols' and (jsonb_typeof(v_source -> 'symbols') <> 'array' or jsonb_array_length(v_source -> 'symbols') = 0
     or exists (select from jsonb_array_elements(v_source -> 'symbols') s where jsonb_typeof(s) <> 'string' or s #>> '{}' !~ '^\S{1,64}$')
     or (select count(distinct s) <> count(*) from jsonb_array_elements_text(v_source -> 'symbols') s)) then
    perform ds_private.raise_definition_error('DS059', 'invalid symbols', v_name, v_version, 'source.symbols',
      format('symbols is a non-empty list of distinct symbols without spaces, one key per symbol, got %s', left((v_source -> 'symbols')::text, 200)),
      'Write for example symbols = ["BTC/USDT", "ETH/USDT"].');
  end if;
  if v_source ? 'symbols' and not (coalesce(ds_private.transform_field(schema, 'symbol') ->> 'type', '') = 'str' and 'symbol' = any (key)) then
    perform ds_private.raise_definition_error('DS059', 'symbols need a symbol key', v_name, v_version, 'key',
      'each row of a source with symbols carries its symbol in the str field symbol, which is part of the key',
      'Declare symbol = "str" in [schema] and key = ["symbol"].');
  end if;
  if v_kind = 'ccxt' then
    perform ds_private.check_ccxt_source(v_source, schema, key, v_name, v_version);
  else
    perform ds_private.check_http_source(v_source, schema, key, v_name, v_version);
  end if;
  return v_source;
end;
$$;
comment on function ds_private.resolve_source(jsonb, jsonb, text[]) is 'Validates the [source] table of a definition (kind, exclusivity with builders, writes and dependencies, api-url, api-url-env, rate-limit, page-size, retries, backoff-ms, symbols) and returns it; raises DS059.';
