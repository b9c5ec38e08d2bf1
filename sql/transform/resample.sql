-- Transform "resample": OHLCV bars of a coarser granularity (1m -> 5m -> 1h -> 1d, any
-- multiple). Parameters: source (the dependency; optional when it is the only one) and
-- volume (the source column summed into volume; default "volume" when the source has it).
-- The target's [schema] is its key columns (the source's key) and any of: open = first,
-- high = max, low = min, close = last (same type as the source's column), volume = sum,
-- trades = the number of source rows, or the sum of the source's trades column when it has
-- one (so bars of bars compose). Buckets: ds_private.transform_buckets_sql (transform_buckets_sql.sql);
-- only complete buckets, empty ones omitted. See docs/transforms.md.

create or replace function ds_private.transform_resample_sql(params jsonb, target ds_private.dataset_versions) returns text
language plpgsql stable as $$
declare
  v_source ds_private.dataset_versions;
  v_volume text;
  v_field jsonb;
  v_name text;
  v_type text;
  v_source_type text;
  v_aggregates text[] := '{}';
  v_outputs text[] := '{}';
  v_numbers text[] := '{int,float,numeric}';
  v_lookup boolean;
  v_joins text[] := '{}';
begin
  perform ds_private.check_transform_params(target, 'resample', params, '{source,volume}');
  v_source := ds_private.transform_source(target, 'resample', params);
  perform ds_private.check_transform_key(target, 'resample', v_source);
  perform ds_private.check_bucket_granularity(target, 'resample', v_source);
  v_volume := ds_private.transform_text_param(target, 'resample', params, 'volume', null);
  if v_volume is not null and coalesce(ds_private.transform_field(v_source.schema, v_volume) ->> 'type', '') <> all (v_numbers) then
    perform ds_private.raise_transform_error(target, 'resample', 'transform.volume',
      format('%s is not a column of type int, float or numeric in %s %s', v_volume, v_source.name, v_source.version), null);
  end if;
  -- more than 60 source points per bucket: open and close are looked up by the first and
  -- last timestamp (a hash aggregate and two index probes per bucket beat sorting every row)
  v_lookup := extract(epoch from target.step) / extract(epoch from v_source.step) > 60;
  v_volume := coalesce(v_volume, case when ds_private.transform_field(v_source.schema, 'volume') ->> 'type' = any (v_numbers) then 'volume' end);

  for v_field in select f from jsonb_array_elements(ds_private.transform_outputs(target)) f loop
    v_name := v_field ->> 'name';
    v_source_type := ds_private.transform_field(v_source.schema, v_name) ->> 'type';
    if v_name in ('open', 'high', 'low', 'close') then
      if coalesce(v_source_type, '') <> all (v_numbers) then
        perform ds_private.raise_transform_error(target, 'resample', 'schema.' || v_name,
          format('the source %s %s has no column %s of type int, float or numeric', v_source.name, v_source.version, v_name),
          'Resample a source with open, high, low and close columns, or drop the field.');
      end if;
      v_type := ds_private.check_transform_type(target, 'resample', v_name, array[v_source_type], 'the type of the source''s column');
      if v_name in ('open', 'close') and v_lookup then
        -- the first (last) row's value, looked up by its timestamp and key
        v_aggregates := v_aggregates || format('%s(s.ts) as %I', case v_name when 'open' then 'min' else 'max' end, '_' || v_name || '_ts');
        v_joins := v_joins || format('cross join lateral (select x.%1$I::%2$s as %1$I from ds_data.%3$I x where x.ts = g.%4$I%5$s limit 1) %6$s',
          v_name, v_type, v_source.table_name, '_' || v_name || '_ts',
          (select string_agg(format(' and x.%1$I = g.%1$I', k), '') from unnest(target.key) k), left(v_name, 1) || '_');
        v_outputs := v_outputs || format('%s.%I', left(v_name, 1) || '_', v_name);
        continue;
      end if;
      v_aggregates := v_aggregates || (format(case v_name
        when 'open' then '(array_agg(s.%1$I order by s.ts))[1]::%2$s'
        when 'close' then '(array_agg(s.%1$I order by s.ts))[count(*)]::%2$s'
        when 'high' then 'max(s.%1$I)::%2$s'
        else 'min(s.%1$I)::%2$s' end, v_name, v_type) || format(' as %I', v_name));
    elsif v_name = 'volume' then
      if v_volume is null then
        perform ds_private.raise_transform_error(target, 'resample', 'schema.volume',
          format('the source %s %s has no volume column', v_source.name, v_source.version),
          'Name the source column to sum with volume = "<column>", or drop the field.');
      end if;
      v_type := ds_private.check_transform_type(target, 'resample', v_name, v_numbers, 'the sum of the source''s volume');
      v_aggregates := v_aggregates || format('sum(s.%I)::%s as volume', v_volume, v_type);
    elsif v_name = 'trades' then
      v_type := ds_private.check_transform_type(target, 'resample', v_name, '{int}', 'a number of rows');
      v_aggregates := v_aggregates || case when v_source_type = 'int' then 'sum(s.trades)::bigint as trades' else 'count(*) as trades' end;
    else
      perform ds_private.raise_transform_error(target, 'resample', 'schema.' || v_name,
        format('%s is not a field resample computes (open, high, low, close, volume, trades; key: %s)', v_name,
               coalesce(nullif(array_to_string(target.key, ', '), ''), 'none')),
        'Remove the field, or compute it with another dataset.');
    end if;
    v_outputs := v_outputs || format('g.%I', v_name);
  end loop;
  if cardinality(v_outputs) = 0 then
    perform ds_private.raise_transform_error(target, 'resample', 'schema', 'the schema has no field to compute besides the key',
      'Declare some of open, high, low, close, volume, trades.');
  end if;
  return ds_private.transform_buckets_sql(target, v_source, array_to_string(v_aggregates, ', '), array_to_string(v_outputs, ', '), null, null,
    nullif(array_to_string(v_joins, E'\n'), ''));
end;
$$;
comment on function ds_private.transform_resample_sql(jsonb, ds_private.dataset_versions) is 'Transform "resample": SQL of OHLCV bars (open first, high max, low min, close last, volume sum, trades count or sum) of the source per key, in complete buckets of the target''s granularity; raises DS019 for invalid parameters or schema.';
