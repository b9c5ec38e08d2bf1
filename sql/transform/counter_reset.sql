-- Transform "counter-reset": 1 where the value of a counter drops from the previous point of
-- the source, else 0, per key. Parameters: source, field (as for derivative). Same previous
-- point and lookback = 2 as derivative; the target's one field is an int. See
-- docs/transforms.md.

create or replace function ds_private.transform_counter_reset_sql(params jsonb, target ds_private.dataset_versions) returns text
language plpgsql stable as $$
declare
  v record := ds_private.previous_point_transform(target, 'counter-reset', params, '{source,field}', '{int}', '1 where the counter drops, else 0');
begin
  return ds_private.previous_point_sql(target, v.source, format('s.%I', v.field),
    format('case when r.v < r.prev_v then 1 else 0 end::bigint as %I', v.output), null);
end;
$$;
comment on function ds_private.transform_counter_reset_sql(jsonb, ds_private.dataset_versions) is 'Transform "counter-reset": SQL of 1 where the value drops from the source''s previous calendar point, else 0, per key (lookback = 2 on the source); raises DS019 for invalid parameters or schema.';
