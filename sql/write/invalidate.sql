-- Invalidation of dependents when rows of a dataset change (a write, an import, a delete):
-- exactly the points whose dependency windows read the changed slots, and, for dependents
-- that work per key, only the keys that changed. See docs/writes.md.
--
-- A change at every key (key null) removes the dependent's coverage there (the next build
-- recomputes every key). A change at key K of a dependent that works per key records the
-- points as stale for K (ds_private.stale); the planner turns them into tasks that rebuild
-- K's rows only. Points in flight (a task is building them) are marked on the task
-- (invalidated: not added to coverage) or recorded stale, so a chunk that read the old rows
-- cannot hide the change. Transitive: the dependents of the dependent follow.

-- ds_private.affected_points (the inverse of the window rule) lives next to that rule, in
-- sql/build/dependency_window.sql.

create or replace function ds_private.keyed_edge(edge ds_private.dependencies) returns text[]
language sql stable as $$
  -- the source key columns a per-key dependent drops (its key is a subset of the source's,
  -- same types): a change at source key K is a change at K without them; null: not per key
  select array(select unnest(s.key) except select unnest(x.key))
  from ds_private.dataset_versions x, ds_private.dataset_versions s
  where x.id = edge.dataset_version_id and s.id = edge.depends_on_id
    and x.per_key and cardinality(x.key) > 0 and x.key <@ s.key
    and not exists (select from unnest(x.key) k
                    where ds_private.transform_field(x.schema, k) ->> 'type' is distinct from ds_private.transform_field(s.schema, k) ->> 'type')
$$;
comment on function ds_private.keyed_edge(ds_private.dependencies) is 'For a dependent that works per key and whose key columns are source key columns of the same types: the source key columns it does not have (empty when the keys are the same); null when a change at one key of the source may change every key of the dependent.';

create or replace function ds_private.invalidate_dependents(version_id integer, changes ds_private.key_slots[])
returns table (dataset_version_id integer, points tstzmultirange)
language plpgsql volatile as $$
declare
  v_edge ds_private.dependencies;
  v_drop text[];
  v_live tstzmultirange;
  v_all tstzmultirange;
  v_keyed ds_private.key_slots[];
begin
  for v_edge in select d.* from ds_private.dependencies d where d.depends_on_id = invalidate_dependents.version_id order by d.dataset_version_id loop
    v_drop := ds_private.keyed_edge(v_edge);
    -- what the dependent has built or is building: nothing else can be outdated
    select x.coverage + coalesce((select range_agg(r) from ds_private.tasks t, unnest(t.points) r
                                  where t.dataset_version_id = x.id and t.state in ('waiting', 'queued', 'running')), '{}')
      into v_live from ds_private.dataset_versions x where x.id = v_edge.dataset_version_id;
    select coalesce(range_agg(r), '{}') * v_live into v_all
    from unnest(changes) c, unnest(ds_private.affected_points(v_edge, c.slots)) r
    where c.key is null or v_drop is null;
    if not isempty(v_all) then
      update ds_private.dataset_versions x set coverage = x.coverage - v_all where x.id = v_edge.dataset_version_id;
      update ds_private.tasks t set invalidated = t.invalidated + (t.points * v_all)
      where t.dataset_version_id = v_edge.dataset_version_id and t.keys is null
        and t.state in ('waiting', 'queued', 'running') and t.points && v_all;
      dataset_version_id := v_edge.dataset_version_id;
      points := v_all;
      return next;
      return query select * from ds_private.invalidate_dependents(v_edge.dataset_version_id, array[row(null::jsonb, v_all)::ds_private.key_slots]);
    end if;
    continue when v_drop is null;
    -- per key: the affected points of each key of the dependent, minus what every key loses
    select coalesce(array_agg(row(k.key, k.points)::ds_private.key_slots), '{}') into v_keyed
    from (select c.key - v_drop as key, range_agg(r) * v_live - v_all as points
          from unnest(changes) c, unnest(ds_private.affected_points(v_edge, c.slots)) r
          where c.key is not null group by 1) k
    where not isempty(k.points);
    continue when cardinality(v_keyed) = 0;
    -- one stale row per set of points, with the keys that share it; a row of the same keys
    -- grows instead (a stream of writes at the same keys keeps one row per key set)
    with g as (select k.slots, jsonb_agg(k.key order by k.key) as keys from unnest(v_keyed) k group by k.slots),
    grown as (update ds_private.stale s set points = s.points + g.slots from g
              where s.dataset_version_id = v_edge.dataset_version_id and s.keys = g.keys returning g.keys)
    insert into ds_private.stale (dataset_version_id, points, keys)
    select v_edge.dataset_version_id, g.slots, g.keys from g where g.keys not in (select grown.keys from grown);
    dataset_version_id := v_edge.dataset_version_id;
    points := (select range_agg(r) from unnest(v_keyed) k, unnest(k.slots) r);
    return next;
    return query select * from ds_private.invalidate_dependents(v_edge.dataset_version_id, v_keyed);
  end loop;
end;
$$;
comment on function ds_private.invalidate_dependents(integer, ds_private.key_slots[]) is 'Invalidates, transitively, the dependents'' points that read the changed slots: every key (coverage removed) for a change at every key or a dependent that does not work per key, else only the changed keys (rows in ds_private.stale). Returns each invalidated dataset version with its points (a version may appear several times).';
