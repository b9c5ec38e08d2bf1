-- Built-in transforms: a [transform] table in config.toml (kind = "...", parameters) instead
-- of a builder. Its kind names a generator by convention:
--   ds_private.transform_<kind with - replaced by _>_sql(params jsonb, target ds_private.dataset_versions) returns text
-- which returns the SELECT of a SQL builder (see docs/sql-builders.md) for the target
-- version; registration stores it as the version's builder_sql. Adding a transform is
-- adding such a function: nothing here lists the kinds.

create or replace function ds_private.transform_kinds() returns text[]
language sql stable as $$
  select coalesce(array_agg(replace(substring(p.proname from '^transform_(.+)_sql$'), '_', '-') order by p.proname), '{}')
  from pg_catalog.pg_proc p
  where p.pronamespace = 'ds_private'::regnamespace and p.proname ~ '^transform_.+_sql$'
    and p.pronargs = 2 and p.proargtypes[0] = 'jsonb'::regtype and p.proargtypes[1] = 'ds_private.dataset_versions'::regtype
$$;
comment on function ds_private.transform_kinds() is 'The transform kinds that exist: one per function ds_private.transform_<kind>_sql(jsonb, ds_private.dataset_versions), with _ shown as -.';

create or replace function ds_private.transform_function(kind text, dataset text, version text) returns text
language plpgsql stable as $$
declare
  v_function text;
begin
  if kind ~ '^[a-z][a-z0-9_-]{0,40}$' then
    v_function := 'transform_' || replace(kind, '-', '_') || '_sql';
    if to_regprocedure(format('ds_private.%I(jsonb, ds_private.dataset_versions)', v_function)) is null then
      v_function := null;
    end if;
  end if;
  if v_function is null then
    raise exception 'unknown transform %', coalesce(quote_literal(kind), 'null') using errcode = 'DS023',
      detail = format('%s, field "transform.kind": no function ds_private.transform_%s_sql(jsonb, ds_private.dataset_versions)',
                      ds_private.definition_label(dataset, version), replace(coalesce(kind, '?'), '-', '_')),
      hint = 'Known transforms: ' || coalesce(nullif(array_to_string(ds_private.transform_kinds(), ', '), ''), 'none') || '.';
  end if;
  return v_function;
end;
$$;
comment on function ds_private.transform_function(text, text, text) is 'The name of the generator function (in ds_private) of a transform kind (- in the kind is _ in the name); raises DS023 "unknown transform", hinting the known kinds.';

create or replace function ds_private.transform_sql(kind text, params jsonb, target ds_private.dataset_versions) returns text
language plpgsql volatile as $$
declare
  v_sql text;
begin
  execute format('select ds_private.%I($1, $2)', ds_private.transform_function(kind, target.name, target.version)) into v_sql
    using coalesce(params, '{}'), target;
  return v_sql;
end;
$$;
comment on function ds_private.transform_sql(text, jsonb, ds_private.dataset_versions) is 'The builder SQL of a transform: dispatches to ds_private.transform_<kind>_sql(params, target) by naming convention; raises DS023 for an unknown kind.';
