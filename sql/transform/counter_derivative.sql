-- Transform "counter-derivative": the rate per second of a counter, like derivative, but a
-- drop is a wrap-around at max_value: (max_value - v_prev + v) / seconds. Without
-- max_value a drop is a reset and its point has no row (the rate across a reset is
-- unknown). Parameters: source, field, max_value (a positive number). Same previous point
-- and lookback = 2 as derivative; the target's one field is a float. See docs/transforms.md.

create or replace function ds_private.transform_counter_derivative_sql(params jsonb, target ds_private.dataset_versions) returns text
language plpgsql stable as $$
declare
  v record := ds_private.previous_point_transform(target, 'counter-derivative', params, '{source,field,max_value}', '{float}', 'a rate per second');
  v_max float8;
begin
  v_max := ds_private.transform_number_param(target, 'counter-derivative', params, 'max_value');
  if v_max <= 0 then
    perform ds_private.raise_transform_error(target, 'counter-derivative', 'transform.max_value',
      format('max_value must be a positive number, got %s', params -> 'max_value'),
      'Write the value at which the counter wraps to 0, e.g. max_value = 4294967296, or leave it out (a drop is then a reset: no row).');
  end if;
  return ds_private.previous_point_sql(target, v.source, format('s.%I::float8', v.field),
    format('case when r.v >= r.prev_v then r.v - r.prev_v else %s - r.prev_v + r.v end / extract(epoch from r.ts - r.prev_ts)::float8 as %I',
           case when v_max is null then 'null::float8' else format('%s::float8', v_max) end, v.output),
    case when v_max is null then 'r.v >= r.prev_v' end);
end;
$$;
comment on function ds_private.transform_counter_derivative_sql(jsonb, ds_private.dataset_versions) is 'Transform "counter-derivative": SQL of the per-second rate of a counter between a point and the source''s previous calendar point, a drop being a wrap-around at max_value (no row without max_value), per key (lookback = 2 on the source); raises DS019 for invalid parameters or schema.';
