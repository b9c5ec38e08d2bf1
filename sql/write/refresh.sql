-- Refresh policies of derived datasets ([refresh] in config.toml, docs/writes.md):
-- on-write rebuilds the points a write, import or delete invalidated, enqueued in the same
-- transaction; schedule runs ds.refresh from the workers' graphile-worker crontab.

create or replace function ds_private.plan_request(version_id integer, request tstzmultirange) returns bigint
language plpgsql volatile as $$
declare
  v ds_private.dataset_versions := (select r from ds_private.dataset_versions r where r.id = version_id);
  v_build_id bigint;
begin
  insert into ds_private.builds (dataset_version_id, start_at, end_at)
  values (v.id, lower(request), upper(request) - v.step)
  returning id into v_build_id;
  perform ds_private.plan_build(v_build_id, request);
  if not exists (select from ds_private.build_tasks bt where bt.build_id = v_build_id) then
    delete from ds_private.builds b where b.id = v_build_id;  -- nothing to do: no empty build
    return null;
  end if;
  perform pg_notify('ds_progress', json_build_object('build', v_build_id, 'event', 'planned')::text);
  return v_build_id;
end;
$$;
comment on function ds_private.plan_request(integer, tstzmultirange) is 'Creates and plans a build of the given slots of a version (what is missing or stale in its closure); returns its id, or null (and no build) when there is nothing to do.';

create or replace function ds_private.write_reach(version_id integer, slots tstzmultirange)
returns table (dataset_version_id integer, points tstzmultirange)
language plpgsql stable as $$
declare
  v_edge ds_private.dependencies;
  v_points tstzmultirange;
begin
  for v_edge in select d.* from ds_private.dependencies d where d.depends_on_id = write_reach.version_id order by d.dataset_version_id loop
    select ds_private.affected_points(v_edge, slots) * tstzmultirange(tstzrange(x.start_at, null)) into v_points
    from ds_private.dataset_versions x where x.id = v_edge.dataset_version_id;
    continue when isempty(v_points);
    dataset_version_id := v_edge.dataset_version_id;
    points := v_points;
    return next;
    return query select * from ds_private.write_reach(v_edge.dataset_version_id, v_points);
  end loop;
end;
$$;
comment on function ds_private.write_reach(integer, tstzmultirange) is 'Every dependent (transitively) of a version with the points whose windows read the given slots, built or not (a version may appear several times).';

create or replace function ds_private.refresh_on_write(version_id integer, changes ds_private.key_slots[]) returns void
language plpgsql volatile as $$
declare
  v_row record;
begin
  -- most writes have no dependent refreshed on write: look before walking
  if not exists (with recursive down (id) as (
                   select d.dataset_version_id from ds_private.dependencies d where d.depends_on_id = refresh_on_write.version_id
                   union
                   select d.dataset_version_id from ds_private.dependencies d join down on d.depends_on_id = down.id)
                 select from down join ds_private.dataset_versions x on x.id = down.id where x.refresh_on_write) then
    return;
  end if;
  for v_row in
    select w.dataset_version_id as id, ds_private.version_slots(w.dataset_version_id, range_agg(r)) as request
    from ds_private.write_reach(refresh_on_write.version_id, (select range_agg(r) from unnest(changes) c, unnest(c.slots) r)) w
    join ds_private.dataset_versions x on x.id = w.dataset_version_id and x.refresh_on_write,
    unnest(w.points) r
    group by w.dataset_version_id order by w.dataset_version_id
  loop
    continue when isempty(v_row.request);
    perform ds_private.plan_request(v_row.id, v_row.request);
  end loop;
end;
$$;
comment on function ds_private.refresh_on_write(integer, ds_private.key_slots[]) is 'Plans, in the caller''s transaction, a build of the calendar points that read the changed slots, for each dependent refreshed on write ([refresh] on-write = true): what is missing or stale there (rebuilt for its keys) is built; the rest is left alone.';

create or replace function ds.refresh(dataset text, version text, up_to timestamptz default now()) returns bigint
language plpgsql volatile as $$
declare
  v ds_private.dataset_versions := ds_private.find_version(dataset, version);
  v_end timestamptz := up_to - v.step;  -- the last point whose slot has ended
  -- never behind the retention boundary: what retention dropped is rebuilt only on request
  v_boundary timestamptz := ds_private.retention_boundary(v, up_to);
  v_from timestamptz := case when v_boundary > v.start_at then ds_private.align_up(v_boundary, v.step) else v.start_at end;
begin
  perform ds_private.check_primary('ds.refresh');
  if v.builder = 'external' then
    perform ds_private.raise_not_built(v);
  end if;
  if up_to is null or v_end < v_from then
    return null;
  end if;
  return ds_private.plan_request(v.id, tstzmultirange(tstzrange(v_from, v_end, '[]')));
end;
$$;
comment on function ds.refresh(text, text, timestamptz) is '@behavior -*
Builds what is missing or stale of a dataset version (and its dependencies) from its start date (or its retention boundary, when later: what retention dropped is not rebuilt) up to the last point whose slot ended before up_to (default now); returns the build id, or null when there is nothing to do. What [refresh] schedule runs. DS026 for a dataset written from outside.';

create or replace function ds_worker.refresh_schedules() returns table (dataset text, version text, schedule text)
language sql stable as $$
  select v.name, v.version, v.refresh_schedule from ds_private.dataset_versions v
  where v.refresh_schedule is not null order by v.name, v.version
$$;
comment on function ds_worker.refresh_schedules() is 'Worker API: the versions with a [refresh] schedule (a cron expression); each worker registers them as graphile-worker cron items of the task ds_refresh.';
