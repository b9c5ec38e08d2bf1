-- The web UI's catalog (GET /api/v1/catalog): per dataset version what no other endpoint
-- gives in one read — its kind, its row count, its coverage as a fraction of its calendar
-- points, the ranges that are stale or being built, and its latest build.

create or replace function ds_server.catalog(dataset text default null, dataset_version text default null)
returns table (name text, version text, kind text, row_count bigint, rows_estimated boolean,
               points bigint, built_points bigint, coverage double precision,
               stale jsonb, building jsonb,
               build_id bigint, build_state text, build_progress double precision, build_error_code text,
               build_created_at timestamptz, build_finished_at timestamptz)
language plpgsql stable as $$
declare
  v record;
  v_estimate real;
  v_packed bigint;
  v_seconds float8;
begin
  for v in
    select dv.* from ds_private.dataset_versions dv
    where (catalog.dataset is null or dv.name = catalog.dataset) and (catalog.dataset_version is null or dv.version = catalog.dataset_version)
    order by dv.name, dv.major, dv.minor, dv.patch, dv.prerelease is null, ds_private.prerelease_key(dv.prerelease) collate "C"
  loop
    name := v.name;
    version := v.version;
    kind := case when v.builder = 'external' then 'written' when v.builder like 'transform:%' then 'transform'
                 when v.builder like 'source:%' then 'source' else 'built' end;
    -- an exact count below 100,000 rows (a few ms); from there the planner's figures of the
    -- store's partitions, which builds (sql/worker/analyze_after_build.sql) and autovacuum
    -- keep current (a partition never analyzed counts none)
    select coalesce(sum(greatest(c.reltuples, 0)), 0) into v_estimate
    from pg_catalog.pg_inherits i join pg_catalog.pg_class c on c.oid = i.inhrelid
    where i.inhparent = format('ds_store.%I', v.table_name)::regclass;
    -- packed rows count exactly from their batches (few rows)
    execute format('select coalesce(sum(p."@rows"), 0) from ds_packed.%I p', v.table_name) into v_packed;
    v_estimate := greatest(v_estimate, 0) + v_packed;
    rows_estimated := v_estimate >= 100000;
    if rows_estimated then
      row_count := v_estimate::bigint;
    else
      execute format('select count(*) from ds_data.%I', v.table_name) into row_count;
    end if;
    -- calendar points from the start date to now (or to the last built point, if later)
    v_seconds := extract(epoch from v.step);
    select coalesce(sum(extract(epoch from upper(r) - lower(r)) / v_seconds), 0)::bigint into points
    from unnest(ds_private.version_slots(v.id, tstzmultirange(tstzrange(v.start_at, greatest(now(), upper(v.coverage)), '[)')))) r;
    select coalesce(sum(extract(epoch from upper(r) - lower(r)) / v_seconds), 0)::bigint into built_points
    from unnest(ds_private.version_slots(v.id, v.coverage)) r;
    coverage := case when points = 0 then 0 else least(1, built_points::float8 / points) end;
    select coalesce(jsonb_agg(jsonb_build_object('start', s.start_at, 'end', s.end_at, 'keys', s.keys) order by s.start_at), '[]')
      into stale from ds.stale(v.name, v.version) s;
    select coalesce(jsonb_agg(jsonb_build_object('start', lower(r), 'end', upper(r)) order by r), '[]') into building
    from unnest((select range_agg(t.covers) from ds_private.tasks t
                 where t.dataset_version_id = v.id and t.state in ('waiting', 'queued', 'running'))) r;
    select b.id, b.state, b.progress, b.error_code, b.created_at, b.finished_at
      into build_id, build_state, build_progress, build_error_code, build_created_at, build_finished_at
    from ds.builds b
    where b.id = (select max(x.id) from ds_private.builds x where x.dataset_version_id = v.id);
    if not found then
      build_id := null; build_state := null; build_progress := null; build_error_code := null;
      build_created_at := null; build_finished_at := null;
    end if;
    return next;
  end loop;
end;
$$;
comment on function ds_server.catalog(text, text) is 'The web UI''s catalog: every dataset version (or the one named), by name then semver, with its kind (built, transform, written, source), its rows (exact below 100,000, else the planner''s estimate: rows_estimated), its calendar points from the start date to now and how many are built (coverage, 0 to 1), its stale ranges [start, end) with their keys, the ranges its in-flight chunks cover, and its latest build (id, state, progress, DS code of its error, when it was made and ended).';
