-- Transform "derivative": the rate of change per second between consecutive points of the
-- source, (v - v_prev) / seconds between them, per key. Parameters: source, field (the
-- source column; optional when the source has one numeric column). The previous point is
-- the source's calendar point just before (across nights and weekends: seconds count the
-- wall-clock gap); when it has no value for the key there is no row. The target declares
-- the source with lookback = 2 and has its granularity; its one field is a float. See
-- docs/transforms.md.

create or replace function ds_private.transform_derivative_sql(params jsonb, target ds_private.dataset_versions) returns text
language plpgsql stable as $$
declare
  v record := ds_private.previous_point_transform(target, 'derivative', params, '{source,field}', '{float}', 'a rate per second');
begin
  return ds_private.previous_point_sql(target, v.source, format('s.%I::float8', v.field),
    format('(r.v - r.prev_v) / extract(epoch from r.ts - r.prev_ts)::float8 as %I', v.output), null);
end;
$$;
comment on function ds_private.transform_derivative_sql(jsonb, ds_private.dataset_versions) is 'Transform "derivative": SQL of (v - v_prev) / seconds between a point and the source''s previous calendar point, per key (lookback = 2 on the source); raises DS019 for invalid parameters or schema.';
