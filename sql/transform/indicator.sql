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
-- Warm-up: the target declares the source with a counted lookback N (lookback = 100), the
-- number of the source's calendar points an indicator value reads. The value at a point T
-- is ds.<function> over the key's rows in the N most recent source points up to T (a
-- trailing window), its last element: it depends on those N points only, so that a chunk
-- reads its points plus N (O(chunk x N), never the whole history), a write changes the
-- values of at most N points after it, and values do not depend on the chunking. For SMA,
-- ROC, MOM, WILLR, BBANDS, STDDEV and STOCH a window longer than the function's lookback
-- gives TA-Lib's values over the whole series exactly; EMA, RSI, MACD and ATR are recursive
-- (seeded at the window's start) and converge to them as N grows. See docs/transforms.md.

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

create or replace function ds_private.check_warmup_lookback(target ds_private.dataset_versions, source ds_private.dataset_versions,
  function text, inputs integer, arguments text)
returns integer
language plpgsql volatile as $$
declare
  v_edge ds_private.dependencies := (select d from ds_private.dependencies d where d.dataset_version_id = target.id and d.depends_on_id = source.id);
  v_series text;
  v_last boolean;
begin
  if v_edge.lookback_points is null then
    perform ds_private.raise_transform_error(target, 'indicator', format('dependencies.%s.lookback', source.name),
      format('the lookback on %s is %s, but an indicator declares its warm-up: the number of %s''s calendar points each value reads (a counted lookback)',
             source.name, coalesce(v_edge.lookback, 'none'), source.name),
      format('Write %s = { version = "%s", lookback = 100 } (a value at T is ds.%s over the 100 points up to T).', source.name, source.version, function));
  end if;
  -- the last element of the function over N points must have a value (TA-Lib's lookback is shorter)
  v_series := format('array(select 100 + sin(g)::float8 from generate_series(1, %s) g)', v_edge.lookback_points);
  v_series := concat_ws(', ', case when inputs = 3 then concat_ws(', ', replace(v_series, '100 +', '101 +'), replace(v_series, '100 +', '99 +'), v_series)
                                   else v_series end, nullif(arguments, ''));
  execute format('select (%s)[%s] is not null', case function
      when 'macd' then format('(select f.hist from ds.macd(%s) f)', v_series)
      when 'bbands' then format('(select f.middle from ds.bbands(%s) f)', v_series)
      when 'stoch' then format('(select f.slowk from ds.stoch(%s) f)', v_series)
      else format('ds.%I(%s)', function, v_series) end,
    v_edge.lookback_points) into v_last;
  if not v_last then
    perform ds_private.raise_transform_error(target, 'indicator', format('dependencies.%s.lookback', source.name),
      format('a warm-up of %s points is too short for ds.%s with these parameters: it gives no value before more points', v_edge.lookback_points, function),
      format('Write a larger lookback on %s (several times the longest period: recursive indicators converge as it grows).', source.name));
  end if;
  return v_edge.lookback_points;
end;
$$;
comment on function ds_private.check_warmup_lookback(ds_private.dataset_versions, ds_private.dataset_versions, text, integer, text) is 'The warm-up N of an indicator transform: its counted lookback on the source; raises DS019 when the lookback is not a count or when ds.<function> over N points has no value at the last one.';

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
  v_arguments text;
  v_warmup integer;
  v_call text;
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
  v_arguments := ds_private.indicator_arguments(target, v_function, params, v_spec.parameters);
  v_warmup := ds_private.check_warmup_lookback(target, v_source, v_function, cardinality(v_columns), v_arguments);
  -- the call over the trailing window of output row o: elements o.i - o.w + 1 .. o.i of its key's series
  v_call := format('ds.%I(%s)', v_function, concat_ws(', ',
    (select string_agg(format('x.a%s[o.i - o.w + 1 : o.i]', n), ', ') from generate_series(1, cardinality(v_columns)) n), nullif(v_arguments, '')));
  -- p: the source's calendar points from the lookback start, numbered; r: the rows of each
  -- key with their index i in the key's series and w, the length of their window (the rows
  -- in the warm-up's earlier points, then those of their own point up to them); x: each
  -- key's series; o: the chunk's output rows; f: the function over each output's window
  return format(
    E'with c as materialized (select ds_private.calendar_slots(%1$L, %2$s, tstzrange($1, $2)) as points,\n'
     '  ds_private.calendar_slots(%3$L, %4$s, tstzrange($3, $2)) as source_points),\n'
     'p as materialized (select q.ts, row_number() over (order by q.ts) as n\n'
     '  from c, unnest(c.source_points) sr, generate_series(lower(sr), upper(sr) - %4$s, %4$s) q(ts)),\n'
     'r as materialized (select s.ts%5$s, %6$s, row_number() over (%7$sorder by s.ts) as i,\n'
     '    count(*) over (%7$sorder by p.n range between %8$s preceding and 1 preceding) + row_number() over (partition by %19$sp.n order by s.ts) as w\n'
     '  from ds_data.%9$I s join p on p.ts = date_bin(%4$s, s.ts, timestamptz ''epoch'')\n'
     '  where s.ts >= $3 and s.ts < $2 and %10$s),\n'
     'x as (select %11$s%12$s from r%13$s),\n'
     'o as (select r.* from r, c where r.ts >= $1 and r.ts <@ c.points)\n'
     'select o.ts%14$s, %15$s\nfrom o join x on %16$s, %17$s\nwhere %18$s',
    target.calendar, ds_private.transform_step_sql(target.step), v_source.calendar, ds_private.transform_step_sql(v_source.step),
    case when v_keys = '' then '' else ', ' || v_keys end,
    (select string_agg(format('s.%I::float8 as a%s', c, n), ', ') from unnest(v_columns) with ordinality u(c, n)),
    case when v_keys = '' then '' else 'partition by ' || v_keys || ' ' end,
    v_warmup - 1,
    v_source.table_name,
    (select string_agg(format('s.%I is not null', c), ' and ') from unnest(v_columns) c),
    case when v_keys = '' then '' else ds_private.transform_keys_sql(target.key, 'r') || ', ' end,
    (select string_agg(format('array_agg(r.a%1$s order by r.i) as a%1$s', n), ', ') from generate_series(1, cardinality(v_columns)) n),
    case when v_keys = '' then '' else E'\n  group by ' || ds_private.transform_keys_sql(target.key, 'r') end,
    case when v_keys = '' then '' else ', ' || ds_private.transform_keys_sql(target.key, 'o') end,
    (select string_agg(format('f.%I[o.w] as %I', r, f), ', ') from unnest(v_results, v_fields) u(r, f)),
    coalesce((select string_agg(format('x.%1$I = o.%1$I', k), ' and ') from unnest(target.key) k), 'true'),
    case when v_spec.outputs is null then format('lateral (select %s as value) f', v_call) else format('lateral %s f', v_call) end,
    (select string_agg(format('f.%I[o.w] is not null', r), ' and ') from unnest(v_results) r),
    case when v_keys = '' then '' else v_keys || ', ' end);
end;
$$;
comment on function ds_private.transform_indicator_sql(jsonb, ds_private.dataset_versions) is 'Transform "indicator": SQL calling ds.<function> (TA-Lib-compatible) per key and point over the trailing window of the warm-up (the counted lookback N: the key''s rows in the N most recent source points up to the point), keeping its last element; raises DS019 for invalid parameters, schema or lookback.';
