-- Deleting data: rows and coverage go; dependents' coverage over the points whose windows
-- read the deleted points is invalidated (transitively), so the next build recomputes them.

create or replace function ds_private.invalidate_dependents(version_id integer, removed tstzrange) returns void
language plpgsql volatile as $$
declare
  v_edge record;
  v_affected tstzrange;
begin
  for v_edge in
    select d.*, x.step as x_step, dv.calendar as d_calendar, dv.step as d_step
    from ds_private.dependencies d
    join ds_private.dataset_versions x on x.id = d.dataset_version_id
    join ds_private.dataset_versions dv on dv.id = d.depends_on_id
    where d.depends_on_id = version_id
  loop
    v_affected := tstzrange(ds_private.align_down(lower(removed), v_edge.x_step),
      case
        when v_edge.lookback_points is not null then coalesce(ds_private.align_up(
          ds_private.nth_point_after(v_edge.d_calendar, v_edge.d_step, upper(removed) - v_edge.d_step, v_edge.lookback_points),
          v_edge.x_step), 'infinity')
        when v_edge.lookback is not null then ds_private.align_up(upper(removed) + ds_private.lookback_span(v_edge.lookback), v_edge.x_step)
        else ds_private.align_up(upper(removed), v_edge.x_step)
      end);
    continue when not exists (select from ds_private.dataset_versions x
                              where x.id = v_edge.dataset_version_id and x.coverage && v_affected);
    perform ds_private.lock_dataset(v_edge.dataset_version_id);
    update ds_private.dataset_versions x set coverage = x.coverage - tstzmultirange(v_affected)
    where x.id = v_edge.dataset_version_id;
    perform ds_private.invalidate_dependents(v_edge.dataset_version_id, v_affected);
  end loop;
end;
$$;
comment on function ds_private.invalidate_dependents(integer, tstzrange) is 'Removes from every dependent''s coverage the points whose dependency windows read the removed slots, recursively.';

create or replace function ds.delete(dataset text, version text, start_at timestamptz, end_at timestamptz)
returns table (deleted bigint, first_ts timestamptz, last_ts timestamptz)
language plpgsql volatile as $$
declare
  v_version ds_private.dataset_versions := ds_private.find_version(dataset, version);
  v_removed tstzrange;
begin
  perform ds_private.check_range(start_at, end_at);
  perform ds_private.lock_dataset(v_version.id);
  execute format('with d as (delete from ds_data.%I t where t.ts >= $1 and t.ts <= $2 returning t.ts)
                  select count(*), min(d.ts), max(d.ts) from d', v_version.table_name)
    using start_at, end_at into deleted, first_ts, last_ts;
  v_removed := tstzrange(ds_private.align_up(start_at, v_version.step), ds_private.align_down(end_at, v_version.step) + v_version.step);
  if not isempty(v_removed) then
    update ds_private.dataset_versions v set coverage = v.coverage - tstzmultirange(v_removed) where v.id = v_version.id;
    perform ds_private.invalidate_dependents(v_version.id, v_removed);
  end if;
  perform pg_notify('ds_data', json_build_object('dataset', dataset, 'version', version, 'deleted', deleted,
    'first', first_ts, 'last', last_ts)::text);
  return next;
end;
$$;
comment on function ds.delete(text, text, timestamptz, timestamptz) is 'Deletes the rows of a dataset version in [start_at, end_at] (inclusive) and its coverage there; returns the count and the first and last deleted timestamps. Dependents'' coverage over the points that read them is invalidated, so the next build recomputes those points.';
