-- What the built-in transforms (resample.sql, downsample.sql, derivative.sql, sum.sql,
-- counter_reset.sql, counter_derivative.sql, indicator.sql) share: checking their parameters
-- (every problem is DS019 naming the field), finding their source dependency, and the SQL
-- of time buckets and of "the previous point". None of these is a transform kind: no name
-- here matches ds_private.transform_<kind>_sql(jsonb, ds_private.dataset_versions).
-- See docs/transforms.md.

create or replace function ds_private.raise_transform_error(target ds_private.dataset_versions, kind text, field text, problem text, fix text)
returns void
language plpgsql volatile as $$
begin
  perform ds_private.raise_definition_error('DS019', format('invalid %s transform', kind), target.name, target.version,
    field, problem, coalesce(fix, 'See docs/transforms.md for the parameters of kind = "' || kind || '".'));
end;
$$;
comment on function ds_private.raise_transform_error(ds_private.dataset_versions, text, text, text, text) is 'Raises DS019 "invalid <kind> transform" with a DETAIL naming the dataset, version and field (transform.<param>, schema.<field>, granularity, key or dependencies.<name>.lookback).';

create or replace function ds_private.check_transform_params(target ds_private.dataset_versions, kind text, params jsonb, allowed text[])
returns void
language plpgsql volatile as $$
declare
  v_key text := (select k from jsonb_object_keys(params) k where k <> all (allowed) order by k limit 1);
begin
  if v_key is not null then
    perform ds_private.raise_transform_error(target, kind, 'transform.' || v_key, format('unknown parameter %s', v_key),
      format('kind = "%s" takes %s.', kind, array_to_string(allowed, ', ')));
  end if;
end;
$$;
comment on function ds_private.check_transform_params(ds_private.dataset_versions, text, jsonb, text[]) is 'Raises DS019 naming the first parameter of a [transform] table that is not one of allowed.';

create or replace function ds_private.transform_text_param(target ds_private.dataset_versions, kind text, params jsonb, name text, fallback text)
returns text
language plpgsql volatile as $$
begin
  if coalesce(params -> name, 'null') = 'null' then
    return fallback;
  elsif jsonb_typeof(params -> name) <> 'string' or params ->> name = '' then
    perform ds_private.raise_transform_error(target, kind, 'transform.' || name,
      format('%s must be a non-empty string, got %s', name, params -> name), null);
  end if;
  return params ->> name;
end;
$$;
comment on function ds_private.transform_text_param(ds_private.dataset_versions, text, jsonb, text, text) is 'A string parameter of a transform, or fallback when absent; DS019 when it is not a non-empty string.';

create or replace function ds_private.transform_dependency(target ds_private.dataset_versions, kind text, name text, field text)
returns ds_private.dataset_versions
language plpgsql volatile as $$
declare
  v_source ds_private.dataset_versions;
  v_count integer := (select count(*) from ds_private.dependencies d where d.dataset_version_id = target.id);
begin
  select dv.* into v_source from ds_private.dependencies d join ds_private.dataset_versions dv on dv.id = d.depends_on_id
  where d.dataset_version_id = target.id and (dv.name = transform_dependency.name or (transform_dependency.name is null and v_count = 1));
  if v_source.id is null then
    perform ds_private.raise_transform_error(target, kind, field,
      format('%s %s is not one of the dependencies (%s)', field, coalesce(name, '(none given)'),
        (select coalesce(string_agg(dv.name, ', ' order by dv.name), 'none') from ds_private.dependencies d
         join ds_private.dataset_versions dv on dv.id = d.depends_on_id where d.dataset_version_id = target.id)),
      format('Declare the source under [dependencies] and name it: %s = "<dependency>".', field));
  end if;
  return v_source;
end;
$$;
comment on function ds_private.transform_dependency(ds_private.dataset_versions, text, text, text) is 'The dependency of the target named name (any dependency when name is null and there is exactly one); DS019 naming field otherwise.';

create or replace function ds_private.transform_source(target ds_private.dataset_versions, kind text, params jsonb)
returns ds_private.dataset_versions
language plpgsql volatile as $$
begin
  return ds_private.transform_dependency(target, kind, ds_private.transform_text_param(target, kind, params, 'source', null), 'transform.source');
end;
$$;
comment on function ds_private.transform_source(ds_private.dataset_versions, text, jsonb) is 'The dependency named by the source parameter of a transform (optional when there is exactly one dependency); DS019 otherwise.';

create or replace function ds_private.transform_field(schema jsonb, name text) returns jsonb
language sql immutable parallel safe as $$
  select f from jsonb_array_elements(schema) f where f ->> 'name' = name limit 1
$$;
comment on function ds_private.transform_field(jsonb, text) is 'The {name, type, nullable} of a field of a schema; null when there is none of that name.';

create or replace function ds_private.transform_outputs(target ds_private.dataset_versions) returns jsonb
language sql immutable parallel safe as $$
  select coalesce(jsonb_agg(f order by n), '[]') from jsonb_array_elements(target.schema) with ordinality e(f, n)
  where f ->> 'name' <> all (target.key)
$$;
comment on function ds_private.transform_outputs(ds_private.dataset_versions) is 'The fields of a target schema that a transform computes: every field that is not a key column, in declaration order.';

create or replace function ds_private.check_transform_key(target ds_private.dataset_versions, kind text, source ds_private.dataset_versions)
returns void
language plpgsql volatile as $$
declare
  v_column text;
begin
  if target.key is distinct from source.key then
    perform ds_private.raise_transform_error(target, kind, 'key',
      format('key is [%s] but the source %s %s has key [%s]: a transform works per key of its source',
        array_to_string(target.key, ', '), source.name, source.version, array_to_string(source.key, ', ')),
      format('Declare key = [%s].', (select string_agg(format('"%s"', k), ', ') from unnest(source.key) k)));
  end if;
  foreach v_column in array target.key loop
    if ds_private.transform_field(target.schema, v_column) ->> 'type' is distinct from ds_private.transform_field(source.schema, v_column) ->> 'type' then
      perform ds_private.raise_transform_error(target, kind, 'schema.' || v_column,
        format('key column %s is %s here but %s in %s %s', v_column, ds_private.transform_field(target.schema, v_column) ->> 'type',
          ds_private.transform_field(source.schema, v_column) ->> 'type', source.name, source.version),
        'Give the key columns the types of the source''s.');
    end if;
  end loop;
end;
$$;
comment on function ds_private.check_transform_key(ds_private.dataset_versions, text, ds_private.dataset_versions) is 'Raises DS019 unless the target has the source''s key columns (same names, order and types).';

create or replace function ds_private.check_transform_type(target ds_private.dataset_versions, kind text, field text, allowed text[], why text)
returns text
language plpgsql volatile as $$
declare
  v_type text := ds_private.transform_field(target.schema, field) ->> 'type';
begin
  if v_type is null or v_type <> all (allowed) then
    perform ds_private.raise_transform_error(target, kind, 'schema.' || field,
      case when v_type is null then format('the target has no field %s (%s)', field, why)
           else format('%s is %s but must be %s (%s)', field, v_type, array_to_string(allowed, ' or '), why) end,
      format('Declare %s = "%s" under [schema].', field, allowed[1]));
  end if;
  return ds_private.column_type(v_type);
end;
$$;
comment on function ds_private.check_transform_type(ds_private.dataset_versions, text, text, text[], text) is 'The column type of a target field a transform computes; DS019 naming schema.<field> when the field is missing or its type is not one of allowed.';

create or replace function ds_private.transform_keys_sql(key text[], alias text) returns text
language sql immutable parallel safe as $$
  select coalesce(string_agg(format('%s.%I', alias, k), ', ' order by n), '') from unnest(key) with ordinality u(k, n)
$$;
comment on function ds_private.transform_keys_sql(text[], text) is 'The key columns as SQL, "alias.k1, alias.k2" (empty without key).';

create or replace function ds_private.transform_step_sql(step interval) returns text
language sql immutable parallel safe as $$
  select format('interval %L', extract(epoch from step)::bigint || ' seconds')
$$;
comment on function ds_private.transform_step_sql(interval) is 'A step as an SQL interval literal of seconds (interval ''300 seconds''), independent of the session''s interval style.';

create or replace function ds_private.check_bucket_granularity(target ds_private.dataset_versions, kind text, source ds_private.dataset_versions)
returns void
language plpgsql volatile as $$
declare
  v_target numeric := extract(epoch from target.step);
begin
  if v_target < 86400 and mod(v_target, extract(epoch from source.step)) <> 0 then
    perform ds_private.raise_transform_error(target, kind, 'granularity',
      format('granularity %s is not a multiple of %s, the granularity of %s', target.granularity, source.granularity, source.name),
      'Below one day a bucket holds whole source points: use a multiple of the source''s granularity.');
  elsif v_target >= 86400 and mod(v_target, 86400) <> 0 then
    perform ds_private.raise_transform_error(target, kind, 'granularity',
      format('granularity %s is one day or more but not a whole number of days', target.granularity),
      'From one day up, buckets are sessions: use 1d, 2d, 7d, ...');
  end if;
end;
$$;
comment on function ds_private.check_bucket_granularity(ds_private.dataset_versions, text, ds_private.dataset_versions) is 'Raises DS019 (field granularity) unless a bucketing transform''s granularity is a multiple of its source''s below one day, or a whole number of days.';

-- Time buckets (resample, downsample). A bucket is labelled by its start T, a point of the
-- target's calendar. Below one day (or on an always-open source) it is [T, T + step),
-- aligned to the epoch in UTC. From one day up it is the sessions of the source's calendar
-- whose date is in [date of T, date of T + step): a daily bar of nyse is 09:30-16:00 New
-- York. A bucket is complete when every source slot it spans is a calendar point of the
-- source and is built (in the source's coverage); only complete buckets are kept.
create or replace function ds_private.transform_buckets_sql(target ds_private.dataset_versions, source ds_private.dataset_versions,
  aggregates text, outputs text, having_sql text, fill_sql text, joins text)
returns text
language plpgsql stable as $$
declare
  v_keys text := ds_private.transform_keys_sql(target.key, 's');
  v_step text := ds_private.transform_step_sql(target.step);
  v_source_step text := ds_private.transform_step_sql(source.step);
  v_daily boolean := target.step >= interval '1 day' and (select c.kind from ds_private.calendars c where c.name = source.calendar) <> 'always-open';
  v_coverage text := format('(select v.coverage from ds_private.dataset_versions v where v.id = %s)', source.id);
  v_buckets text;
  v_groups text;
begin
  if not v_daily then
    -- k: the target's points T in the chunk whose [T, T + step) is all source slots, built
    v_buckets := format(E'with c as materialized (select ds_private.calendar_slots(%1$L, %2$s, tstzrange($1, $2)) as points,\n'
                        '  ds_private.calendar_slots(%3$L, %4$s, tstzrange($1, $2)) * %5$s as complete),\n'
                        'k as materialized (select p.ts from c, unnest(c.points) r, generate_series(lower(r), upper(r) - %2$s, %2$s) p(ts)\n'
                        '  where tstzrange(p.ts, p.ts + %2$s) <@ c.complete)',
                        target.calendar, v_step, source.calendar, v_source_step, v_coverage);
    v_groups := format(E'select date_bin(%1$s, s.ts, timestamptz ''epoch'') as ts%2$s, %3$s\n  from ds_data.%4$I s\n'
                       '  where s.ts >= $1 and s.ts < $2\n  group by %5$sdate_bin(%1$s, s.ts, timestamptz ''epoch'')%6$s',
                       v_step, case when v_keys = '' then '' else ', ' || v_keys end, aggregates, source.table_name,
                       case when v_keys = '' then '' else v_keys || ', ' end, coalesce(E'\n  having ' || having_sql, ''));
  else
    -- b: the source's sessions of each bucket T (a point of the target's calendar);
    -- k: the buckets whose source slots (those inside their sessions) are all built
    v_buckets := format(E'with b as materialized (select date_bin(%1$s, ss.day::timestamp at time zone ''UTC'', timestamptz ''epoch'') as ts, ss.open_at, ss.close_at\n'
                        '  from ds_private.calendar_sessions ss where ss.calendar = %2$L\n'
                        '    and ss.day >= ($1 at time zone ''UTC'')::date and ss.day < ($2 at time zone ''UTC'')::date\n'
                        '    and date_bin(%1$s, ss.day::timestamp at time zone ''UTC'', timestamptz ''epoch'') <@ (select ds_private.calendar_slots(%3$L, %1$s, tstzrange($1, $2)))),\n'
                        'k as materialized (select x.ts from (select b.ts, range_agg(tstzrange(b.open_at, b.close_at))\n'
                        '      * ds_private.calendar_slots(%2$L, %4$s, tstzrange(min(b.open_at), max(b.close_at))) as span from b group by b.ts) x\n'
                        '  where not isempty(x.span) and x.span <@ %5$s)',
                        v_step, source.calendar, target.calendar, v_source_step, v_coverage);
    v_groups := format(E'select b.ts%1$s, %2$s\n  from b join k on k.ts = b.ts join ds_data.%3$I s on s.ts >= b.open_at and s.ts < b.close_at\n'
                       '  group by %4$sb.ts%5$s',
                       case when v_keys = '' then '' else ', ' || v_keys end, aggregates, source.table_name,
                       case when v_keys = '' then '' else v_keys || ', ' end, coalesce(E'\n  having ' || having_sql, ''));
  end if;
  if fill_sql is null then
    return format(E'%s\nselect g.ts%s, %s\nfrom (%s) g join k on k.ts = g.ts%s', v_buckets,
                  case when v_keys = '' then '' else ', ' || ds_private.transform_keys_sql(target.key, 'g') end, outputs, v_groups,
                  coalesce(E'\n' || joins, ''));
  end if;
  -- fill (datasets without key): every complete bucket, g null where it is empty
  return format(E'%s\nselect k.ts, %s\nfrom k left join (%s) g on g.ts = k.ts%s', v_buckets, fill_sql, v_groups, coalesce(E'\n' || joins, ''));
end;
$$;
comment on function ds_private.transform_buckets_sql(ds_private.dataset_versions, ds_private.dataset_versions, text, text, text, text, text) is 'The SQL of a bucketed aggregation of source (alias s) into the target''s points: aggregates (the select list of one group, per key), outputs (the target''s fields from the group, alias g), an optional having, for fill the output list over every complete bucket (alias g null when empty), and optional joins after the groups (lateral lookups by g''s columns). Only complete buckets: see the comment above the function.';

-- The previous point (derivative, counter-reset, counter-derivative): the rows of a point T
-- and of the source's calendar point just before T, per key (p: the source's calendar
-- points in the window, each with the one before it; r: the rows with their previous row). Needs a counted lookback of at
-- least 2 on the source, so that $3 reaches that point for the first point of a chunk.
create or replace function ds_private.check_previous_point_lookback(target ds_private.dataset_versions, kind text, source ds_private.dataset_versions)
returns void
language plpgsql volatile as $$
declare
  v_edge ds_private.dependencies := (select d from ds_private.dependencies d where d.dataset_version_id = target.id and d.depends_on_id = source.id);
begin
  if coalesce(v_edge.lookback_points, 0) < 2 then
    perform ds_private.raise_transform_error(target, kind, format('dependencies.%s.lookback', source.name),
      format('the lookback on %s is %s, but %s reads the previous point of the source: it needs a counted lookback of at least 2',
             source.name, coalesce(v_edge.lookback, 'none'), kind),
      format('Write %s = { version = "%s", lookback = 2 }.', source.name, source.version));
  end if;
  if target.step <> source.step then
    perform ds_private.raise_transform_error(target, kind, 'granularity',
      format('granularity %s differs from %s of %s: %s works point by point on its source', target.granularity, source.granularity, source.name, kind),
      format('Use granularity = "%s", or resample or downsample the source first.', source.granularity));
  end if;
end;
$$;
comment on function ds_private.check_previous_point_lookback(ds_private.dataset_versions, text, ds_private.dataset_versions) is 'Raises DS019 unless the target reads its source with a counted lookback >= 2 and has the source''s granularity (what the previous-point transforms need).';

create or replace function ds_private.previous_point_sql(target ds_private.dataset_versions, source ds_private.dataset_versions, value_sql text, output_sql text, filter_sql text)
returns text
language sql stable as $$
  select format(
    E'with c as materialized (select ds_private.calendar_slots(%1$L, %2$s, tstzrange($1, $2)) as points,\n'
    '                               ds_private.calendar_slots(%3$L, %4$s, tstzrange($3, $2)) as source_points),\n'
    'p as materialized (select q.ts, lag(q.ts) over (order by q.ts) as prev from c, unnest(c.source_points) r,\n'
    '  generate_series(lower(r), upper(r) - %4$s, %4$s) q(ts)),\n'
    'r as (select s.ts%5$s, %6$s as v, lag(s.ts) over w as prev_ts, lag(%6$s) over w as prev_v\n'
    '  from ds_data.%7$I s where s.ts >= $3 and s.ts < $2 window w as (%8$sorder by s.ts))\n'
    'select r.ts%9$s, %10$s\nfrom r join p on p.ts = r.ts and p.prev = r.prev_ts, c\n'
    'where r.ts >= $1 and r.ts <@ c.points and r.v is not null and r.prev_v is not null%11$s',
    target.calendar, ds_private.transform_step_sql(target.step), source.calendar, ds_private.transform_step_sql(source.step),
    case when cardinality(source.key) = 0 then '' else ', ' || ds_private.transform_keys_sql(source.key, 's') end,
    value_sql, source.table_name,
    case when cardinality(source.key) = 0 then '' else 'partition by ' || ds_private.transform_keys_sql(source.key, 's') || ' ' end,
    case when cardinality(source.key) = 0 then '' else ', ' || ds_private.transform_keys_sql(source.key, 'r') end,
    output_sql, coalesce(' and ' || filter_sql, ''))
$$;
comment on function ds_private.previous_point_sql(ds_private.dataset_versions, ds_private.dataset_versions, text, text, text) is 'The SQL of a point-by-point transform over the previous point: value_sql is the source value (alias s); output_sql computes the target''s fields from r.v, r.prev_v, r.ts and r.prev_ts; filter_sql (optional) drops rows. A row only where the point and the source''s calendar point just before it both have a non-null value for the key.';

create or replace function ds_private.transform_value_field(target ds_private.dataset_versions, kind text, params jsonb, source ds_private.dataset_versions)
returns text
language plpgsql volatile as $$
declare
  v_field text := ds_private.transform_text_param(target, kind, params, 'field', null);
  v_candidates text[] := array(select f ->> 'name' from jsonb_array_elements(source.schema) f
                               where f ->> 'name' <> all (source.key) and f ->> 'type' in ('int', 'float', 'numeric'));
begin
  if v_field is null and cardinality(v_candidates) = 1 then
    return v_candidates[1];
  elsif v_field is null then
    perform ds_private.raise_transform_error(target, kind, 'transform.field',
      format('%s %s has %s numeric columns: say which one with field', source.name, source.version, cardinality(v_candidates)),
      format('Write field = "<column>" (one of %s).', coalesce(nullif(array_to_string(v_candidates, ', '), ''), 'none')));
  elsif v_field <> all (v_candidates) then
    perform ds_private.raise_transform_error(target, kind, 'transform.field',
      format('%s is not a column of type int, float or numeric in %s %s', v_field, source.name, source.version),
      format('Write field = "<column>" (one of %s).', coalesce(nullif(array_to_string(v_candidates, ', '), ''), 'none')));
  end if;
  return v_field;
end;
$$;
comment on function ds_private.transform_value_field(ds_private.dataset_versions, text, jsonb, ds_private.dataset_versions) is 'The source column a point-by-point transform reads: the field parameter, or the source''s only int/float/numeric non-key column; DS019 otherwise.';

create or replace function ds_private.transform_single_output(target ds_private.dataset_versions, kind text, allowed text[], why text,
  out name text, out column_type text)
language plpgsql volatile as $$
declare
  v_outputs jsonb := ds_private.transform_outputs(target);
begin
  if jsonb_array_length(v_outputs) <> 1 then
    perform ds_private.raise_transform_error(target, kind, 'schema',
      format('%s computes one field, but the schema has %s besides the key (%s)', kind, jsonb_array_length(v_outputs),
             coalesce((select string_agg(f ->> 'name', ', ') from jsonb_array_elements(v_outputs) f), 'none')),
      format('Declare exactly one field of type %s besides the key columns.', array_to_string(allowed, ' or ')));
  end if;
  name := v_outputs -> 0 ->> 'name';
  column_type := ds_private.check_transform_type(target, kind, name, allowed, why);
end;
$$;
comment on function ds_private.transform_single_output(ds_private.dataset_versions, text, text[], text) is 'The one field (besides the key) of a transform with one output, and its column type; DS019 when there is not exactly one or its type is not allowed.';

create or replace function ds_private.transform_number_param(target ds_private.dataset_versions, kind text, params jsonb, name text)
returns float8
language plpgsql volatile as $$
begin
  if coalesce(params -> name, 'null') = 'null' then
    return null;
  elsif jsonb_typeof(params -> name) = 'number' then
    begin
      return (params ->> name)::float8;
    exception when numeric_value_out_of_range then
      null; -- reported below
    end;
  end if;
  perform ds_private.raise_transform_error(target, kind, 'transform.' || name, format('%s must be a number, got %s', name, params -> name), null);
  return null;
end;
$$;
comment on function ds_private.transform_number_param(ds_private.dataset_versions, text, jsonb, text) is 'A numeric parameter of a transform as float8, or null when absent; DS019 when it is not a number within float8''s range.';

create or replace function ds_private.previous_point_transform(target ds_private.dataset_versions, kind text, params jsonb, allowed_params text[],
  output_types text[], output_why text, out source ds_private.dataset_versions, out field text, out output text)
language plpgsql volatile as $$
begin
  perform ds_private.check_transform_params(target, kind, params, allowed_params);
  source := ds_private.transform_source(target, kind, params);
  perform ds_private.check_transform_key(target, kind, source);
  perform ds_private.check_previous_point_lookback(target, kind, source);
  field := ds_private.transform_value_field(target, kind, params, source);
  output := (ds_private.transform_single_output(target, kind, output_types, output_why)).name;
end;
$$;
comment on function ds_private.previous_point_transform(ds_private.dataset_versions, text, jsonb, text[], text[], text) is 'What every previous-point transform (derivative, counter-reset, counter-derivative) checks first: its parameters, its source and key, a counted lookback >= 2 at the source''s granularity; returns the source, the value column and the one output field.';
