-- Shared by the built-in transforms (see docs/transforms.md): what every previous-point
-- transform (derivative, counter-reset, counter-derivative) checks first: its parameters,
-- its source and key, a counted lookback >= 2 at the source's granularity.

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
