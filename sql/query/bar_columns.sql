-- Which fields of a dataset version ds.bars reads: open/high/low/close (an OHLCV dataset) or
-- price (a tick dataset), the volume, and the columns bars are computed per (by).

create or replace function ds_private.field_types(schema jsonb) returns jsonb
language sql immutable strict parallel safe as $$
  select coalesce(jsonb_object_agg(f ->> 'name', f ->> 'type'), '{}') from jsonb_array_elements(schema) f
$$;
comment on function ds_private.field_types(jsonb) is 'A dataset schema as one object {field: type}.';

create or replace function ds_private.check_fields(v ds_private.dataset_versions, fields text[], what text) returns void
language plpgsql stable as $$
declare
  v_types jsonb := ds_private.field_types(v.schema);
  v_unknown text := (select string_agg(coalesce(quote_literal(f), 'null'), ', ') from unnest(fields) f
                     where f is null or not v_types ? f);
begin
  if v_unknown is not null then
    raise exception '% %: no field %', v.name, v.version, v_unknown using errcode = 'DS025',
      detail = format('%s must name fields of %s %s, whose fields are %s.', what, v.name, v.version,
                      (select string_agg(format('%s (%s)', k, v_types ->> k), ', ') from jsonb_object_keys(v_types) k)),
      hint = 'Pass field names of the schema (ts is always compared, not matched on).';
  end if;
end;
$$;
comment on function ds_private.check_fields(ds_private.dataset_versions, text[], text) is 'Raises DS025 when one of fields is null or not a field of the dataset version''s schema; what names the argument in the message.';

create or replace function ds_private.bar_columns(v ds_private.dataset_versions, by text[],
  out open_column text, out high_column text, out low_column text, out close_column text,
  out volume_column text, out group_columns text[])
language plpgsql stable as $$
declare
  v_types jsonb := ds_private.field_types(v.schema);
  v_not_numeric text;
begin
  if v_types ?& array['open', 'high', 'low', 'close'] then
    open_column := 'open'; high_column := 'high'; low_column := 'low'; close_column := 'close';
    volume_column := case when v_types ? 'volume' then 'volume' end;
  elsif v_types ? 'price' then
    open_column := 'price'; high_column := 'price'; low_column := 'price'; close_column := 'price';
    volume_column := case when v_types ? 'size' then 'size' when v_types ? 'volume' then 'volume' end;
  else
    raise exception '% % is neither an OHLCV nor a tick dataset', v.name, v.version using errcode = 'DS025',
      detail = format('Its fields are %s.', (select string_agg(k, ', ') from jsonb_object_keys(v_types) k)),
      hint = 'ds.bars reads fields open, high, low and close (volume optional), or a field price (size or volume optional).';
  end if;
  select string_agg(format('%s (%s)', c, v_types ->> c), ', ') into v_not_numeric
  from unnest(array[open_column, high_column, low_column, close_column, volume_column]) c
  where c is not null and v_types ->> c not in ('int', 'float', 'numeric');
  if v_not_numeric is not null then
    raise exception '% %: % not numeric', v.name, v.version, v_not_numeric using errcode = 'DS025',
      detail = 'Prices and volumes must be of type int, float or numeric.',
      hint = 'Make a new version of the dataset with numeric fields.';
  end if;
  if by is null then
    -- text key fields (ticker); other key fields (an int seq of ticks) only order rows
    group_columns := array(select k from unnest(v.key) with ordinality u(k, o) where v_types ->> k = 'str' order by o);
  else
    perform ds_private.check_fields(v, by, 'by');
    group_columns := array(select b from unnest(by) with ordinality u(b, o) group by b order by min(o));
  end if;
end;
$$;
comment on function ds_private.bar_columns(ds_private.dataset_versions, text[]) is 'The fields ds.bars reads: open/high/low/close when the schema has all four, else price for all four (a tick dataset); volume (or size, then volume, for ticks), null when absent; the group columns (by, or else the key fields of type str). Raises DS025 when the dataset has neither shape, a price or volume is not numeric, or by names no field.';
