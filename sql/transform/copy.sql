-- The reference transform: kind = "copy" copies the rows of one dependency at each of the
-- target's points. Parameters: source (a dependency's name; optional when there is only
-- one) and columns (optional list of fields to copy; default: every field of the target's
-- schema). The copied fields must be exactly the target's schema, with the same types, and
-- the target's key the source's.

create or replace function ds_private.transform_copy_sql(params jsonb, target ds_private.dataset_versions) returns text
language plpgsql stable as $$
declare
  v_source ds_private.dataset_versions;
  v_columns text[];
  v_problem text;
  v_field text;
begin
  select format('unknown parameter %s', k) into v_problem from jsonb_object_keys(params) k where k not in ('source', 'columns') limit 1;
  if v_problem is null then
    select dv.* into v_source from ds_private.dependencies d join ds_private.dataset_versions dv on dv.id = d.depends_on_id
    where d.dataset_version_id = target.id
      and (dv.name = params ->> 'source' or (params ->> 'source' is null
           and (select count(*) from ds_private.dependencies o where o.dataset_version_id = target.id) = 1));
    if v_source.id is null then
      v_problem := format('source %s is not one of the dependencies (%s)', coalesce(params ->> 'source', '(none given)'),
        (select coalesce(string_agg(dv.name, ', ' order by dv.name), 'none') from ds_private.dependencies d
         join ds_private.dataset_versions dv on dv.id = d.depends_on_id where d.dataset_version_id = target.id));
    end if;
  end if;
  if v_problem is null and v_source.key is distinct from target.key then
    v_problem := format('the key (%s) must be the key of %s %s (%s)', array_to_string(target.key, ', '), v_source.name, v_source.version,
                        array_to_string(v_source.key, ', '));
  end if;
  if v_problem is null and params ? 'columns' and (jsonb_typeof(params -> 'columns') <> 'array'
     or exists (select from jsonb_array_elements(params -> 'columns') c where jsonb_typeof(c) <> 'string')) then
    v_problem := 'columns must be a list of field names';
  end if;
  if v_problem is null then
    v_columns := case when params ? 'columns' then array(select jsonb_array_elements_text(params -> 'columns'))
                      else array(select f ->> 'name' from jsonb_array_elements(target.schema) f) end;
    foreach v_field in array v_columns loop
      if not exists (select from jsonb_array_elements(v_source.schema) s join jsonb_array_elements(target.schema) t
                     on t ->> 'name' = s ->> 'name' and t ->> 'type' = s ->> 'type' where s ->> 'name' = v_field) then
        v_problem := format('field %s is not a field of the same type in %s %s and in the target', v_field, v_source.name, v_source.version);
      end if;
    end loop;
  end if;
  if v_problem is null and (select array_agg(f ->> 'name' order by f ->> 'name') from jsonb_array_elements(target.schema) f)
                            is distinct from (select array_agg(c order by c) from unnest(v_columns) c) then
    v_problem := format('the copied columns (%s) must be exactly the fields of [schema]', array_to_string(v_columns, ', '));
  end if;
  if v_problem is not null then
    perform ds_private.raise_definition_error('DS019', 'invalid copy transform', target.name, target.version, 'transform', v_problem,
      'kind = "copy" takes source = "<dependency>" and optionally columns = ["field", ...] matching [schema].');
  end if;
  return format(E'select s.ts, %s\nfrom ds_data.%I s\nwhere s.ts >= $1 and s.ts < $2',
           (select string_agg(format('s.%I', c), ', ') from unnest(v_columns) c), v_source.table_name)
    || case when v_source.step = target.step and v_source.calendar = target.calendar then ''
            -- only the source rows at the target's calendar points
            else format(E'\n  and s.ts = ds_private.align_down(s.ts, %L::interval)\n'
                        '  and s.ts <@ (select ds_private.calendar_slots(%L, %L::interval, tstzrange($1, $2)))',
                        target.step, target.calendar, target.step) end;
end;
$$;
comment on function ds_private.transform_copy_sql(jsonb, ds_private.dataset_versions) is 'Transform "copy": SQL copying the rows of the dependency named by source (columns: the target''s schema) at the target''s calendar points; raises DS019 for invalid parameters.';
