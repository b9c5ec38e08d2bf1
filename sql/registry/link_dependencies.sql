-- Dependency edges of one registered definition. They are linked after every definition of
-- the batch is written, so a batch may list a dataset before its dependencies.

create or replace function ds_private.link_dependencies(def jsonb, version_id integer, is_new boolean) returns void
language plpgsql volatile as $$
declare
  v_dep jsonb;
  v_target integer;
  v_wanted jsonb := '[]';
  v_stored jsonb;
begin
  for v_dep in select value from jsonb_array_elements(def -> 'dependencies') loop
    select v.id into v_target from ds_private.dataset_versions v where v.name = v_dep ->> 'name' and v.version = v_dep ->> 'version';
    if v_target is null then
      perform ds_private.raise_definition_error('DS006', format('missing dependency %s %s', v_dep ->> 'name', v_dep ->> 'version'),
        def ->> 'name', def ->> 'version', 'dependencies.' || (v_dep ->> 'name'),
        coalesce('registered versions of ' || (v_dep ->> 'name') || ': '
                   || (select string_agg(v.version, ', ' order by v.version) from ds_private.dataset_versions v where v.name = v_dep ->> 'name'),
                 'no dataset of that name is registered or in this batch'),
        'Add builders/<dependency>/<version>/config.toml, or depend on a registered version.');
    end if;
    v_wanted := v_wanted || jsonb_build_array(jsonb_build_object('id', v_target,
      'lookback_interval', (v_dep ->> 'lookback_interval')::interval, 'lookback_points', (v_dep ->> 'lookback_points')::integer,
      'window', coalesce(v_dep ->> 'window', 'point')));
    if is_new then
      insert into ds_private.dependencies (dataset_version_id, depends_on_id, lookback, lookback_interval, lookback_points, window_kind)
      values (version_id, v_target, v_dep ->> 'lookback', (v_dep ->> 'lookback_interval')::interval, (v_dep ->> 'lookback_points')::integer,
              coalesce(v_dep ->> 'window', 'point'));
    end if;
  end loop;
  if is_new then
    return;
  end if;
  select coalesce(jsonb_agg(jsonb_build_object('id', d.depends_on_id, 'lookback_interval', d.lookback_interval,
                                               'lookback_points', d.lookback_points, 'window', d.window_kind)), '[]')
    into v_stored from ds_private.dependencies d where d.dataset_version_id = link_dependencies.version_id;
  if not (v_stored @> v_wanted and v_wanted @> v_stored) then
    perform ds_private.raise_definition_error('DS011', 'the dependencies of a registered version changed',
      def ->> 'name', def ->> 'version', 'dependencies', 'a registered version''s dependencies, their lookbacks and windows are fixed',
      format('Make a new version: copy builders/%s/%s to a new version folder and change it there.', def ->> 'name', def ->> 'version'));
  end if;
end;
$$;
comment on function ds_private.link_dependencies(jsonb, integer, boolean) is 'Resolves the dependencies of a definition (DS006 when missing); inserts the edges of a new version, or raises DS011 when those of a registered version changed.';

create or replace function ds_private.check_dependency_graph(version_ids integer[]) returns void
language plpgsql volatile as $$
declare
  v_cycle integer[];
  v_edge record;
begin
  with recursive walk (start_id, id, path) as (
    select d.dataset_version_id, d.depends_on_id, array[d.dataset_version_id, d.depends_on_id]
    from ds_private.dependencies d where d.dataset_version_id = any (version_ids)
    union all
    select w.start_id, d.depends_on_id, w.path || d.depends_on_id
    from walk w join ds_private.dependencies d on d.dataset_version_id = w.id
    where w.id <> w.start_id and (d.depends_on_id = w.start_id or d.depends_on_id <> all (w.path))
  )
  select w.path into v_cycle from walk w where w.id = w.start_id order by cardinality(w.path), w.path limit 1;
  if v_cycle is not null then
    perform ds_private.raise_definition_error('DS003', 'dependency cycle', v.name, v.version, 'dependencies',
      'the dependencies form a cycle: ' || (select string_agg(c.name || ' ' || c.version, ' -> ' order by p.ord)
                                            from unnest(v_cycle) with ordinality p(id, ord) join ds_private.dataset_versions c on c.id = p.id),
      'Remove one of the dependencies of the cycle.')
    from ds_private.dataset_versions v where v.id = v_cycle[1];
  end if;

  for v_edge in
    select v.name, v.version, v.granularity, v.step, v.start_at, t.name as dep_name, t.version as dep_version,
           t.granularity as dep_granularity, t.step as dep_step, t.start_at as dep_start_at
    from ds_private.dependencies d
    join ds_private.dataset_versions v on v.id = d.dataset_version_id
    join ds_private.dataset_versions t on t.id = d.depends_on_id
    where d.dataset_version_id = any (version_ids)
    order by v.name, v.version, t.name
  loop
    if v_edge.step < v_edge.dep_step then
      perform ds_private.raise_definition_error('DS008', format('%s is finer-grained than its dependency %s', v_edge.name, v_edge.dep_name),
        v_edge.name, v_edge.version, 'granularity', format('granularity %s is finer than %s of %s %s',
          v_edge.granularity, v_edge.dep_granularity, v_edge.dep_name, v_edge.dep_version),
        'A dataset can be as coarse as its dependencies or coarser, never finer.');
    end if;
    if v_edge.start_at < v_edge.dep_start_at then
      perform ds_private.raise_definition_error('DS009', format('%s starts before its dependency %s', v_edge.name, v_edge.dep_name),
        v_edge.name, v_edge.version, 'start-date', format('start date %s is before %s, the start date of %s %s',
          v_edge.start_at, v_edge.dep_start_at, v_edge.dep_name, v_edge.dep_version),
        'Move start-date to the dependency''s start date or later.');
    end if;
  end loop;
end;
$$;
comment on function ds_private.check_dependency_graph(integer[]) is 'Checks the dependencies of new versions: no cycle (DS003), not finer-grained than a dependency (DS008), not starting before one (DS009).';
