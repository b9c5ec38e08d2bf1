-- A [source] of kind "ccxt": an exchange of the ccxt library, its symbols, and what to fetch:
-- OHLCV bars at the dataset's granularity (key symbol) or trades as ticks (key symbol, id).
-- The schema is fixed by what ccxt returns, so a row never fails validation later.

create or replace function ds_private.check_ccxt_source(source jsonb, schema jsonb, key text[], dataset text, version text) returns void
language plpgsql volatile as $$
declare
  v_fetch text := coalesce(source ->> 'fetch', 'ohlcv');
  v_expected jsonb;
  v_key text[] := case v_fetch when 'ohlcv' then array['symbol'] else array['symbol', 'id'] end;
  v_field text;
begin
  select f into v_field from jsonb_object_keys(source) f
  where f <> all (array['kind', 'exchange', 'symbols', 'fetch', 'api_url', 'api_url_env', 'rate_limit', 'page_size', 'retries', 'backoff_ms']);
  if v_field is not null then
    perform ds_private.raise_definition_error('DS059', format('unknown field %L', v_field), dataset, version, 'source.' || v_field,
      'a ccxt source has kind, exchange, symbols, fetch, api-url, api-url-env, rate-limit, page-size, retries and backoff-ms', 'Remove it.');
  end if;
  if coalesce(source ->> 'exchange', '') !~ '^[a-z][a-z0-9]{1,39}$' then
    perform ds_private.raise_definition_error('DS059', 'invalid exchange', dataset, version, 'source.exchange',
      format('exchange is a ccxt exchange id in lowercase (binance, kraken, ...), got %s', coalesce(source -> 'exchange', 'nothing')),
      'Write for example exchange = "binance".');
  end if;
  if not source ? 'symbols' then
    perform ds_private.raise_definition_error('DS059', 'missing symbols', dataset, version, 'source.symbols',
      'a ccxt source fetches the symbols it lists', 'Write for example symbols = ["BTC/USDT"].');
  end if;
  v_expected := case v_fetch
    when 'ohlcv' then '{"symbol": "str", "open": "float", "high": "float", "low": "float", "close": "float", "volume": "float"}'
    when 'trades' then '{"symbol": "str", "id": "str", "price": "float", "amount": "float", "side": "str"}' end;
  if v_expected is null then
    perform ds_private.raise_definition_error('DS059', format('unknown fetch %L', v_fetch), dataset, version, 'source.fetch',
      'a ccxt source fetches "ohlcv" (bars at the dataset''s granularity) or "trades" (ticks)', 'Write fetch = "ohlcv" or fetch = "trades".');
  end if;
  if (select jsonb_object_agg(f ->> 'name', f ->> 'type') from jsonb_array_elements(schema) f) <> v_expected
     or key <> v_key then
    perform ds_private.raise_definition_error('DS059', format('the schema does not match fetch = %L', v_fetch), dataset, version, 'schema',
      format('fetch = %L writes exactly the fields %s with key %s', v_fetch,
        (select string_agg(e.key || ' ' || e.value, ', ') from jsonb_each_text(v_expected) e),
        to_jsonb(v_key)),
      'Declare these fields in [schema] (nullable or not) and that key.');
  end if;
end;
$$;
comment on function ds_private.check_ccxt_source(jsonb, jsonb, text[], text, text) is 'Checks a [source] of kind ccxt: its fields, the exchange id, symbols, fetch (ohlcv or trades) and the schema and key that fetch writes; raises DS059.';
