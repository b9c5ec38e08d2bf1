-- Transform "sum": the sum of a column of several datasets aligned on timestamp (and key),
-- only where every input has a non-null value. Parameters: sources (a list of dependency
-- names; default: every dependency, at least two), field (the column summed: one name for
-- every source, or a table source = "column"; default: each source's only numeric column).
-- The sources have the target's key and granularity; the target's one field is an int,
-- float or numeric. See docs/transforms.md.

create or replace function ds_private.transform_sum_sql(params jsonb, target ds_private.dataset_versions) returns text
language plpgsql stable as $$
declare
  v_names text[];
  v_source ds_private.dataset_versions;
  v_field text;
  v_out record;
  v_i integer := 0;
  v_from text[] := '{}';
  v_terms text[] := '{}';
  v_where text[] := '{}';
  v_key text;
  v_name text;
begin
  perform ds_private.check_transform_params(target, 'sum', params, '{sources,field}');
  if coalesce(params -> 'sources', 'null') = 'null' then
    v_names := array(select dv.name from ds_private.dependencies d join ds_private.dataset_versions dv on dv.id = d.depends_on_id
                     where d.dataset_version_id = target.id order by dv.name);
  elsif jsonb_typeof(params -> 'sources') <> 'array' or exists (select from jsonb_array_elements(params -> 'sources') e where jsonb_typeof(e) <> 'string') then
    perform ds_private.raise_transform_error(target, 'sum', 'transform.sources', format('sources must be a list of dependency names, got %s', params -> 'sources'), null);
  else
    v_names := array(select jsonb_array_elements_text(params -> 'sources'));
  end if;
  if cardinality(v_names) < 2 or cardinality(v_names) <> (select count(distinct n) from unnest(v_names) n) then
    perform ds_private.raise_transform_error(target, 'sum', 'transform.sources',
      format('sum needs at least two different sources, got %s', coalesce(nullif(array_to_string(v_names, ', '), ''), 'none')),
      'Declare the datasets to add under [dependencies] (and list them in sources).');
  end if;
  if jsonb_typeof(coalesce(params -> 'field', '""')) not in ('string', 'object')
     or (jsonb_typeof(params -> 'field') = 'object' and exists (select from jsonb_each(params -> 'field') e where e.key <> all (v_names) or jsonb_typeof(e.value) <> 'string')) then
    perform ds_private.raise_transform_error(target, 'sum', 'transform.field',
      format('field is a column name, or a table source = "column" over the sources, got %s', params -> 'field'), null);
  end if;
  select * into v_out from ds_private.transform_single_output(target, 'sum', '{float,numeric,int}', 'the sum');
  foreach v_name in array v_names loop
    v_i := v_i + 1;
    v_source := ds_private.transform_dependency(target, 'sum', v_name, 'transform.sources');
    perform ds_private.check_transform_key(target, 'sum', v_source);
    if v_source.step <> target.step then
      perform ds_private.raise_transform_error(target, 'sum', 'granularity',
        format('granularity %s differs from %s of %s: sum adds values at the same timestamps', target.granularity, v_source.granularity, v_source.name),
        'Resample or downsample the sources to the target''s granularity first.');
    end if;
    v_field := ds_private.transform_value_field(target, 'sum', case jsonb_typeof(params -> 'field')
      when 'string' then params when 'object' then jsonb_build_object('field', params -> 'field' -> v_source.name) else '{}' end, v_source);
    v_from := v_from || format('ds_data.%I s%s', v_source.table_name, v_i);
    v_terms := v_terms || format('s%s.%I::%s', v_i, v_field, v_out.column_type);
    v_where := v_where || format('s%1$s.ts >= $1 and s%1$s.ts < $2 and s%1$s.%2$I is not null', v_i, v_field);
    if v_i > 1 then
      v_where := v_where || format('s%s.ts = s1.ts', v_i);
      foreach v_key in array target.key loop
        v_where := v_where || format('s%1$s.%2$I = s1.%2$I', v_i, v_key);
      end loop;
    end if;
  end loop;
  return format(E'with c as materialized (select ds_private.calendar_slots(%L, %s, tstzrange($1, $2)) as points)\n'
                 'select s1.ts%s, (%s)::%s as %I\nfrom c, %s\nwhere s1.ts <@ c.points and %s',
    target.calendar, ds_private.transform_step_sql(target.step),
    case when cardinality(target.key) = 0 then '' else ', ' || ds_private.transform_keys_sql(target.key, 's1') end,
    array_to_string(v_terms, ' + '), v_out.column_type, v_out.name, array_to_string(v_from, ', '), array_to_string(v_where, E'\n  and '));
end;
$$;
comment on function ds_private.transform_sum_sql(jsonb, ds_private.dataset_versions) is 'Transform "sum": SQL of the sum of one column of each source at the timestamps and keys where every source has a non-null value; raises DS019 for invalid parameters or schema.';
