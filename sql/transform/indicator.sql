-- Transform "indicator": a TA-Lib-compatible technical indicator (sql/indicators/, ds.sma,
-- ds.rsi, ds.macd, ...) of the source, per key. Parameters: source; function (sma, ema,
-- rsi, macd, stoch, roc, mom, willr, bbands, atr, stddev); input (the series of one-input
-- functions, default "close"); high, low, close (the columns of stoch, willr and atr,
-- defaults "high", "low", "close"); and the function's own parameters under its argument
-- names (period, fast_period, slow_period, signal_period, fastk_period, slowk_period,
-- slowd_period, nbdev, nbdevup, nbdevdn; TA-Lib's defaults when left out). Outputs: the
-- target's one float field, or for macd some of macd/signal/hist, bbands upper/middle/lower,
-- stoch k/d. Rows where an output is null (TA-Lib's lookback) are omitted.
--
-- EMA, RSI, MACD and ATR are recursive: a value depends on the whole series from its first
-- element. Each chunk therefore reads the source's whole history up to its end (O(history)
-- per chunk) so that every value equals ds.<function> over the whole series, whatever the
-- chunking; the target declares the source with a lookback reaching its start date
-- (lookback = "99999d") so that the planner builds that history first. See
-- docs/transforms.md.

create or replace function ds_private.indicator_spec(function text, out inputs text[], out parameters text[], out outputs text[], out results text[])
language sql immutable parallel safe as $$
  -- outputs: the target field names; results: the matching columns of the ds.<function> row
  select case when function in ('stoch', 'willr', 'atr') then '{high,low,close}' else '{input}' end::text[],
         case function when 'macd' then '{fast_period,slow_period,signal_period}' when 'stoch' then '{fastk_period,slowk_period,slowd_period}'
                       when 'bbands' then '{period,nbdevup,nbdevdn}' when 'stddev' then '{period,nbdev}' else '{period}' end::text[],
         case function when 'macd' then '{macd,signal,hist}' when 'bbands' then '{upper,middle,lower}' when 'stoch' then '{k,d}' end::text[],
         case function when 'macd' then '{macd,signal,hist}' when 'bbands' then '{upper,middle,lower}' when 'stoch' then '{slowk,slowd}' end::text[]
  where function in ('sma', 'ema', 'rsi', 'macd', 'stoch', 'roc', 'mom', 'willr', 'bbands', 'atr', 'stddev')
$$;
comment on function ds_private.indicator_spec(text) is 'What the indicator transform knows of an indicator function: its input columns (input, or high/low/close), its parameters, and for multi-output functions the target field names and the matching result columns of ds.<function> (null outputs: one field of any name). No row for an unknown function.';

create or replace function ds_private.indicator_arguments(target ds_private.dataset_versions, function text, params jsonb, parameters text[])
returns text
language plpgsql volatile as $$
declare
  v_parameter text;
  v_args text[] := '{}';
  v_detail text;
begin
  foreach v_parameter in array parameters loop
    continue when coalesce(params -> v_parameter, 'null') = 'null';
    if v_parameter like 'nbdev%' then
      v_args := v_args || format('%I => %L::float8', v_parameter, ds_private.transform_number_param(target, 'indicator', params, v_parameter));
      continue;
    end if;
    if jsonb_typeof(params -> v_parameter) <> 'number' or (params ->> v_parameter) !~ '^-?[0-9]{1,9}$' then
      perform ds_private.raise_transform_error(target, 'indicator', 'transform.' || v_parameter,
        format('%s must be an integer, got %s', v_parameter, params -> v_parameter), null);
    end if;
    v_args := v_args || format('%I => %s', v_parameter, params ->> v_parameter);
  end loop;
  -- the indicator checks its parameters before its series: an empty call says whether they are valid
  begin
    execute format('select ds.%I(%s)', function, array_to_string(array_fill('''{}''::float8[]'::text, array[case when function in ('stoch', 'willr', 'atr') then 3 else 1 end]) || v_args, ', '));
  exception when sqlstate 'DS024' then
    get stacked diagnostics v_detail = pg_exception_detail;
    perform ds_private.raise_transform_error(target, 'indicator', 'transform', v_detail,
      format('Fix the parameters of ds.%s (see docs/indicators.md).', function));
  end;
  return array_to_string(v_args, ', ');
end;
$$;
comment on function ds_private.indicator_arguments(ds_private.dataset_versions, text, jsonb, text[]) is 'The named arguments (period => 14, ...) of an indicator call from the transform''s parameters, validated by calling ds.<function> on empty series (its DS024 becomes DS019).';

create or replace function ds_private.check_history_lookback(target ds_private.dataset_versions, source ds_private.dataset_versions) returns void
language plpgsql volatile as $$
declare
  v_edge ds_private.dependencies := (select d from ds_private.dependencies d where d.dataset_version_id = target.id and d.depends_on_id = source.id);
  v_last timestamptz := (select upper(c.span) from ds_private.calendars c where c.name = target.calendar);
begin
  if v_edge.lookback_interval is null or v_last - ds_private.lookback_span(v_edge.lookback) > source.start_at then
    perform ds_private.raise_transform_error(target, 'indicator', format('dependencies.%s.lookback', source.name),
      format('the lookback on %s is %s, but an indicator reads the whole history of its source (from %s): the lookback must reach back from %s to there',
             source.name, coalesce(v_edge.lookback, 'none'), source.start_at, v_last),
      format('Write %s = { version = "%s", lookback = "99999d" } (windows are clamped to the source''s start date).', source.name, source.version));
  end if;
end;
$$;
comment on function ds_private.check_history_lookback(ds_private.dataset_versions, ds_private.dataset_versions) is 'Raises DS019 unless the target''s wall-clock lookback on the source reaches the source''s start date from the last instant of the target''s calendar, so that the planner builds the whole history an indicator reads.';

create or replace function ds_private.transform_indicator_sql(params jsonb, target ds_private.dataset_versions) returns text
language plpgsql stable as $$
declare
  v_source ds_private.dataset_versions;
  v_function text;
  v_spec record;
  v_columns text[] := '{}';
  v_input text;
  v_out record;
  v_fields text[];
  v_results text[];
  v_keys text := ds_private.transform_keys_sql(target.key, 's');
begin
  perform ds_private.check_transform_params(target, 'indicator', params,
    '{source,function,input,high,low,close,period,fast_period,slow_period,signal_period,fastk_period,slowk_period,slowd_period,nbdev,nbdevup,nbdevdn}');
  v_source := ds_private.transform_source(target, 'indicator', params);
  perform ds_private.check_transform_key(target, 'indicator', v_source);
  v_function := ds_private.transform_text_param(target, 'indicator', params, 'function', null);
  select * into v_spec from ds_private.indicator_spec(v_function);
  if v_spec.inputs is null then
    perform ds_private.raise_transform_error(target, 'indicator', 'transform.function',
      format('unknown indicator function %s', coalesce(params ->> 'function', '(none given)')),
      'Write function = one of sma, ema, rsi, macd, stoch, roc, mom, willr, bbands, atr, stddev.');
  end if;
  perform ds_private.check_transform_params(target, 'indicator', params,
    array['source', 'function'] || v_spec.inputs || v_spec.parameters);
  if v_source.step <> target.step then
    perform ds_private.raise_transform_error(target, 'indicator', 'granularity',
      format('granularity %s differs from %s of %s: an indicator has a value at each point of its source', target.granularity, v_source.granularity, v_source.name),
      'Resample the source to the granularity first.');
  end if;
  perform ds_private.check_history_lookback(target, v_source);
  foreach v_input in array v_spec.inputs loop
    v_columns := v_columns || ds_private.transform_text_param(target, 'indicator', params, v_input, case v_input when 'input' then 'close' else v_input end);
    if ds_private.transform_field(v_source.schema, v_columns[cardinality(v_columns)]) ->> 'type' is null
       or ds_private.transform_field(v_source.schema, v_columns[cardinality(v_columns)]) ->> 'type' not in ('int', 'float', 'numeric') then
      perform ds_private.raise_transform_error(target, 'indicator', 'transform.' || v_input,
        format('%s is not a column of type int, float or numeric in %s %s', v_columns[cardinality(v_columns)], v_source.name, v_source.version),
        format('Name the source column with %s = "<column>".', v_input));
    end if;
  end loop;
  if v_spec.outputs is null then
    select * into v_out from ds_private.transform_single_output(target, 'indicator', '{float}', 'the indicator''s value');
    v_fields := array[v_out.name];
    v_results := array['value'];
  else
    v_fields := array(select f ->> 'name' from jsonb_array_elements(ds_private.transform_outputs(target)) f);
    if cardinality(v_fields) = 0 or exists (select from unnest(v_fields) f where f <> all (v_spec.outputs)) then
      perform ds_private.raise_transform_error(target, 'indicator', 'schema',
        format('%s gives %s; the schema has %s besides the key', v_function, array_to_string(v_spec.outputs, ', '), coalesce(nullif(array_to_string(v_fields, ', '), ''), 'nothing')),
        format('Declare some of %s (float) besides the key columns.', array_to_string(v_spec.outputs, ', ')));
    end if;
    v_results := array(select v_spec.results[array_position(v_spec.outputs, f)] from unnest(v_fields) f);
    foreach v_input in array v_fields loop
      perform ds_private.check_transform_type(target, 'indicator', v_input, '{float}', format('an output of %s', v_function));
    end loop;
  end if;
  -- x: the whole series of each key up to the chunk's end, in time order
  return format(
    E'with c as materialized (select ds_private.calendar_slots(%1$L, %2$s, tstzrange($1, $2)) as points),\n'
     'x as (select %3$sarray_agg(s.ts order by s.ts) as ts, %4$s\n'
     '  from ds_data.%5$I s where s.ts < $2 and %6$s%7$s)\n'
     'select u.ts%8$s, %9$s\nfrom x, %10$s, unnest(x.ts, %11$s) u(ts, %12$s), c\n'
     'where u.ts >= $1 and u.ts <@ c.points and %13$s',
    target.calendar, ds_private.transform_step_sql(target.step),
    case when v_keys = '' then '' else v_keys || ', ' end,
    (select string_agg(format('array_agg(s.%I::float8 order by s.ts) as a%s', c, n), ', ') from unnest(v_columns) with ordinality u(c, n)),
    v_source.table_name,
    (select string_agg(format('s.%I is not null', c), ' and ') from unnest(v_columns) c),
    case when v_keys = '' then '' else E'\n  group by ' || v_keys end,
    case when v_keys = '' then '' else ', ' || ds_private.transform_keys_sql(target.key, 'x') end,
    (select string_agg(format('u.o%s as %I', n, f), ', ') from unnest(v_fields) with ordinality u(f, n)),
    case when v_spec.outputs is null
         then format('lateral (select ds.%I(%s) as value) f', v_function, concat_ws(', ', (select string_agg('x.a' || n, ', ') from generate_series(1, cardinality(v_columns)) n), nullif(ds_private.indicator_arguments(target, v_function, params, v_spec.parameters), '')))
         else format('lateral ds.%I(%s) f', v_function, concat_ws(', ', (select string_agg('x.a' || n, ', ') from generate_series(1, cardinality(v_columns)) n), nullif(ds_private.indicator_arguments(target, v_function, params, v_spec.parameters), ''))) end,
    (select string_agg(format('f.%I', r), ', ') from unnest(v_results) r),
    (select string_agg('o' || n, ', ') from generate_series(1, cardinality(v_fields)) n),
    (select string_agg(format('u.o%s is not null', n), ' and ') from generate_series(1, cardinality(v_fields)) n));
end;
$$;
comment on function ds_private.transform_indicator_sql(jsonb, ds_private.dataset_versions) is 'Transform "indicator": SQL calling ds.<function> (TA-Lib-compatible) over the source''s whole history per key and keeping the chunk''s points, so that values equal the function over the whole series; raises DS019 for invalid parameters, schema or lookback.';
