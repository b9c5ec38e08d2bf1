-- Transform "downsample": statistics of one value column per bucket, the Datastream API's
-- downsamplers. Parameters: source; field (the source's value column, or for a source that
-- is itself downsampled, the prefix of its columns: <field>_count, <field>_sum, ...; leave
-- it out for a source with bare count, sum, ... columns); value (a list of count, sum,
-- sum_squares, min, max, mean, std_dev); time (a list of first, last, mean: the timestamps
-- of the values); names (a table downsampler = "field name" overriding the default names
-- <field>_<downsampler> (or <downsampler> without field) and time_<downsampler>); fill
-- ("null": a row with count 0 and nulls for each complete bucket without values; datasets
-- without key only). Buckets as for resample (transform_buckets_sql.sql). See docs/transforms.md.

create or replace function ds_private.downsample_list(target ds_private.dataset_versions, params jsonb, name text, known text[])
returns text[]
language plpgsql volatile as $$
declare
  v_list text[];
begin
  if coalesce(params -> name, 'null') = 'null' then
    return '{}';
  end if;
  if jsonb_typeof(params -> name) <> 'array' or exists (select from jsonb_array_elements(params -> name) e where jsonb_typeof(e) <> 'string') then
    perform ds_private.raise_transform_error(target, 'downsample', 'transform.' || name,
      format('%s must be a list of downsamplers, got %s', name, params -> name), format('Write for example %s = ["%s"].', name, known[1]));
  end if;
  v_list := array(select jsonb_array_elements_text(params -> name));
  if exists (select from unnest(v_list) d where d <> all (known)) or cardinality(v_list) <> (select count(distinct d) from unnest(v_list) d) then
    perform ds_private.raise_transform_error(target, 'downsample', 'transform.' || name,
      format('%s has an unknown or repeated downsampler: %s', name, params -> name),
      format('The %s downsamplers are %s, each at most once.', name, array_to_string(known, ', ')));
  end if;
  return v_list;
end;
$$;
comment on function ds_private.downsample_list(ds_private.dataset_versions, jsonb, text, text[]) is 'A list parameter of the downsample transform (value or time), checked against the known downsamplers; DS019 otherwise.';

create or replace function ds_private.downsample_expression(raw boolean, downsampler text, v text, col text, column_type text)
returns text
language sql immutable parallel safe as $$
  -- v: the raw value (s.<field>); col(x): the pre-aggregated column x of the source
  select case when raw then case downsampler
      when 'count' then format('count(%s)', v)
      when 'sum' then format('sum(%s::%s)', v, column_type)
      when 'sum_squares' then format('sum(%1$s::%2$s * %1$s::%2$s)', v, column_type)
      when 'min' then format('min(%s)::%s', v, column_type)
      when 'max' then format('max(%s)::%s', v, column_type)
      when 'mean' then format('avg(%s::%s)::%2$s', v, column_type)
      when 'std_dev' then format('stddev_pop(%s::%s)::%2$s', v, column_type)
      when 'time_first' then format('min(s.ts) filter (where %s is not null)', v)
      when 'time_last' then format('max(s.ts) filter (where %s is not null)', v)
      when 'time_mean' then format('to_timestamp((avg(extract(epoch from s.ts)) filter (where %s is not null))::float8)', v) end
    else case downsampler
      when 'count' then format('sum(%s)::bigint', replace(col, 'X', 'count'))
      when 'sum' then format('sum(%s)::%s', replace(col, 'X', 'sum'), column_type)
      when 'sum_squares' then format('sum(%s)::%s', replace(col, 'X', 'sum_squares'), column_type)
      when 'min' then format('min(%s)::%s', replace(col, 'X', 'min'), column_type)
      when 'max' then format('max(%s)::%s', replace(col, 'X', 'max'), column_type)
      when 'mean' then format('(sum(%s)::%s / nullif(sum(%s), 0))::%2$s', replace(col, 'X', 'sum'), column_type, replace(col, 'X', 'count'))
      -- population: sqrt(E[x²] - E[x]²), never below 0 (rounding)
      when 'std_dev' then format('sqrt(greatest(sum(%1$s)::%4$s / nullif(sum(%3$s), 0) - power(sum(%2$s)::%4$s / nullif(sum(%3$s), 0), 2), 0))::%4$s',
                                 replace(col, 'X', 'sum_squares'), replace(col, 'X', 'sum'), replace(col, 'X', 'count'), column_type)
      when 'time_first' then 'min(s.time_first)'
      when 'time_last' then 'max(s.time_last)'
      when 'time_mean' then format('to_timestamp((sum(extract(epoch from s.time_mean) * %1$s) / nullif(sum(%1$s) filter (where s.time_mean is not null), 0))::float8)',
                                   replace(col, 'X', 'count')) end end
$$;
comment on function ds_private.downsample_expression(boolean, text, text, text, text) is 'The aggregate of one downsampler over raw values v, or over a pre-aggregated source whose columns are col with X replaced by count, sum, ... (counts and sums add, min/max combine, mean = sum / count, std_dev from sum_squares; time_mean weighted by count).';

create or replace function ds_private.downsample_inputs(downsampler text) returns text[]
language sql immutable parallel safe as $$
  select case downsampler
    when 'mean' then '{sum,count}' when 'std_dev' then '{sum_squares,sum,count}'
    when 'time_first' then '{time_first}' when 'time_last' then '{time_last}' when 'time_mean' then '{time_mean,count}'
    else array[downsampler] end::text[]
$$;
comment on function ds_private.downsample_inputs(text) is 'The columns of a pre-aggregated source that a downsampler reads (before the prefix; time_* are never prefixed).';

create or replace function ds_private.check_downsampled_source(target ds_private.dataset_versions, source ds_private.dataset_versions,
  field text, downsamplers text[])
returns void
language plpgsql volatile as $$
declare
  v_prefix text := coalesce(field || '_', '');
  v_input text;
  v_name text;
  v_type text;
begin
  -- a downsampled source: its columns <field>_count, ... (time_* as they are); count always
  foreach v_input in array array(select distinct unnest(array['count'] || array(select unnest(ds_private.downsample_inputs(d)) from unnest(downsamplers) d))) loop
    v_name := case when v_input like 'time\_%' then v_input else v_prefix || v_input end;
    v_type := ds_private.transform_field(source.schema, v_name) ->> 'type';
    if v_type is null or v_type <> all (case when v_input like 'time\_%' then '{timestamp}' when v_input = 'count' then '{int}' else '{int,float,numeric}' end::text[]) then
      perform ds_private.raise_transform_error(target, 'downsample', 'transform.field',
        case when field is not null and v_type is null and v_input = 'count'
             then format('%s %s has no column %s, nor %s_count as a downsampled source has', source.name, source.version, field, field)
             else format('%s %s has no column %s of type %s (a downsampled source has count, sum, sum_squares, min, max%s)', source.name, source.version,
                         v_name, case when v_input like 'time\_%' then 'timestamp' when v_input = 'count' then 'int' else 'int, float or numeric' end,
                         case when field is null then '' else format(' prefixed %s_', field) end) end,
        'Name the source''s value column in field, or downsample a source downsampled with the downsamplers these need.');
    end if;
  end loop;
end;
$$;
comment on function ds_private.check_downsampled_source(ds_private.dataset_versions, ds_private.dataset_versions, text, text[]) is 'Raises DS019 (field transform.field) unless a pre-aggregated source has the <field>_count column and those the chosen downsamplers read (see ds_private.downsample_inputs).';

create or replace function ds_private.check_downsample_options(target ds_private.dataset_versions, params jsonb, downsamplers text[])
returns void
language plpgsql volatile as $$
begin
  if jsonb_typeof(coalesce(params -> 'names', '{}')) <> 'object'
     or exists (select from jsonb_each(coalesce(params -> 'names', '{}')) e where e.key <> all (downsamplers) or jsonb_typeof(e.value) <> 'string') then
    perform ds_private.raise_transform_error(target, 'downsample', 'transform.names',
      format('names maps chosen downsamplers (%s) to field names, got %s', array_to_string(downsamplers, ', '), params -> 'names'),
      'Write for example names = { mean = "avg_price" }.');
  end if;
  if coalesce(params -> 'fill', 'null') not in ('null', '"null"') then
    perform ds_private.raise_transform_error(target, 'downsample', 'transform.fill', format('fill must be "null", got %s', params -> 'fill'),
      'Write fill = "null" to emit a row (count 0, nulls) for empty buckets, or leave it out to omit them.');
  end if;
  if params -> 'fill' = '"null"' and cardinality(target.key) > 0 then
    perform ds_private.raise_transform_error(target, 'downsample', 'transform.fill',
      format('fill = "null" needs a dataset without key, but key is [%s]: which keys an empty bucket has is unknown', array_to_string(target.key, ', ')),
      'Leave fill out (empty buckets are omitted), or downsample a source without key.');
  end if;
end;
$$;
comment on function ds_private.check_downsample_options(ds_private.dataset_versions, jsonb, text[]) is 'Raises DS019 for an invalid names table (not the chosen downsamplers, not strings) or fill (not "null", or on a dataset with key).';

create or replace function ds_private.transform_downsample_sql(params jsonb, target ds_private.dataset_versions) returns text
language plpgsql stable as $$
declare
  v_source ds_private.dataset_versions;
  v_field text;
  v_raw boolean;
  v_prefix text;
  v_value_type text;
  v_downsamplers text[];
  v_fill boolean;
  v_d text;
  v_name text;
  v_type text;
  v_names text[] := '{}';
  v_aggregates text[] := '{}';
  v_outputs text[] := '{}';
  v_fills text[] := '{}';
begin
  perform ds_private.check_transform_params(target, 'downsample', params, '{source,field,value,time,names,fill}');
  v_source := ds_private.transform_source(target, 'downsample', params);
  perform ds_private.check_transform_key(target, 'downsample', v_source);
  perform ds_private.check_bucket_granularity(target, 'downsample', v_source);
  v_field := ds_private.transform_text_param(target, 'downsample', params, 'field', null);
  v_value_type := ds_private.transform_field(v_source.schema, v_field) ->> 'type';
  v_raw := v_value_type is not null;
  if v_raw and v_value_type <> all ('{int,float,numeric}') then
    perform ds_private.raise_transform_error(target, 'downsample', 'transform.field',
      format('%s is %s in %s %s: downsampling needs int, float or numeric values', v_field, v_value_type, v_source.name, v_source.version), null);
  end if;
  v_prefix := coalesce(v_field || '_', '');
  v_downsamplers := ds_private.downsample_list(target, params, 'value', '{count,sum,sum_squares,min,max,mean,std_dev}')
    || array(select 'time_' || t from unnest(ds_private.downsample_list(target, params, 'time', '{first,last,mean}')) t);
  if cardinality(v_downsamplers) = 0 then
    perform ds_private.raise_transform_error(target, 'downsample', 'transform.value', 'no downsampler: value and time are both empty',
      'Write for example value = ["mean", "min", "max"] and/or time = ["last"].');
  end if;
  perform ds_private.check_downsample_options(target, params, v_downsamplers);
  v_fill := coalesce(params -> 'fill' = '"null"', false);
  if not v_raw then
    perform ds_private.check_downsampled_source(target, v_source, v_field, v_downsamplers);
  end if;
  foreach v_d in array v_downsamplers loop
    v_name := coalesce(params -> 'names' ->> v_d, case when v_d like 'time\_%' then v_d else v_prefix || v_d end);
    v_type := ds_private.check_transform_type(target, 'downsample', v_name,
      case when v_d = 'count' then '{int}' when v_d like 'time\_%' then '{timestamp}'
           when v_d in ('min', 'max') and coalesce(v_value_type, ds_private.transform_field(v_source.schema, v_prefix || v_d) ->> 'type') = 'int' then '{int,float,numeric}'
           else '{float,numeric}' end::text[],
      format('the %s downsampler', v_d));
    if v_fill and v_d <> 'count' and not (ds_private.transform_field(target.schema, v_name) ->> 'nullable')::boolean then
      perform ds_private.raise_transform_error(target, 'downsample', 'schema.' || v_name,
        format('%s is not nullable, but fill = "null" gives it null in empty buckets', v_name), format('Declare %s = "%s?".', v_name,
        ds_private.transform_field(target.schema, v_name) ->> 'type'));
    end if;
    v_names := v_names || v_name;
    v_aggregates := v_aggregates || (ds_private.downsample_expression(v_raw, v_d, format('s.%I', v_field), format('s.%I', v_prefix || 'X'), v_type) || format(' as %I', v_name));
    v_outputs := v_outputs || format('g.%I', v_name);
    v_fills := v_fills || case when v_d = 'count' then format('coalesce(g.%1$I, 0) as %1$I', v_name) else format('g.%I', v_name) end;
  end loop;
  if cardinality(v_names) <> (select count(distinct n) from unnest(v_names) n) then
    perform ds_private.raise_transform_error(target, 'downsample', 'transform.names',
      format('two downsamplers give the same field: %s', array_to_string(v_names, ', ')), 'Give each downsampler its own field name.');
  end if;
  v_name := (select f ->> 'name' from jsonb_array_elements(ds_private.transform_outputs(target)) f where f ->> 'name' <> all (v_names) limit 1);
  if v_name is not null then
    perform ds_private.raise_transform_error(target, 'downsample', 'schema.' || v_name,
      format('%s is not computed by the downsamplers chosen (their fields: %s)', v_name, array_to_string(v_names, ', ')),
      'Remove the field, choose the downsampler that gives it, or rename it with names = { ... }.');
  end if;
  return ds_private.transform_buckets_sql(target, v_source, array_to_string(v_aggregates, ', '), array_to_string(v_outputs, ', '),
    case when v_raw then format('count(s.%I) > 0', v_field) else format('sum(s.%I) > 0', v_prefix || 'count') end,
    case when v_fill then array_to_string(v_fills, ', ') end, null);
end;
$$;
comment on function ds_private.transform_downsample_sql(jsonb, ds_private.dataset_versions) is 'Transform "downsample": SQL of the Datastream API downsamplers (count, sum, sum_squares, min, max, mean, std_dev; time first, last, mean) of one value column per key and complete bucket, composing over pre-aggregated sources; raises DS019 for invalid parameters or schema.';
