-- Shared by the built-in transforms (see docs/transforms.md): the SQL of a point-by-point
-- transform over the previous point: value_sql is the source value (alias s).

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
