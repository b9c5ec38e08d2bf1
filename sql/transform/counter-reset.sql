-- Transform "counter-reset": 1 where the value of a counter drops from the previous point of
-- the source, else 0, per key. Parameters: source, field (as for derivative). Same previous
-- point and lookback = 2 as derivative; the target's one field is an int. See
-- docs/transforms.md.

create or replace function ds_private.transform_counter_reset_sql(params jsonb, target ds_private.dataset_versions) returns text
language plpgsql stable as $$
declare
  v_source ds_private.dataset_versions;
  v_field text;
  v_out record;
begin
  perform ds_private.check_transform_params(target, 'counter-reset', params, '{source,field}');
  v_source := ds_private.transform_source(target, 'counter-reset', params);
  perform ds_private.check_transform_key(target, 'counter-reset', v_source);
  perform ds_private.check_previous_point_lookback(target, 'counter-reset', v_source);
  v_field := ds_private.transform_value_field(target, 'counter-reset', params, v_source);
  select * into v_out from ds_private.transform_single_output(target, 'counter-reset', '{int}', '1 where the counter drops, else 0');
  return ds_private.previous_point_sql(target, v_source, format('s.%I', v_field),
    format('case when r.v < r.prev_v then 1 else 0 end::bigint as %I', v_out.name), null);
end;
$$;
comment on function ds_private.transform_counter_reset_sql(jsonb, ds_private.dataset_versions) is 'Transform "counter-reset": SQL of 1 where the value drops from the source''s previous calendar point, else 0, per key (lookback = 2 on the source); raises DS019 for invalid parameters or schema.';
