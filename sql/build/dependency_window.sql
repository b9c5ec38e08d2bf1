-- The time a dependent's points read from one dependency. For a point T of a dataset with
-- step S, the window is [T, T + S) without lookback; [T - (N-1)u, T + S) for a wall-clock
-- lookback "Nu" (like the seed: "5d" is [T-4d, T]); the N most recent dependency points
-- before T + S for a counted lookback N. Clamped to the dependency's start date.
-- worker/dependency-entries.ts slices per point with the same rule.

create or replace function ds_private.lookback_span(lookback text) returns interval
language sql immutable strict as $$
  select ds_private.parse_granularity(lookback) - ds_private.parse_granularity('1' || right(lookback, 1))
$$;
comment on function ds_private.lookback_span(text) is 'How far before T a wall-clock lookback reaches: 5d reaches back 4 days.';

create or replace function ds_private.dependency_window(points tstzmultirange, edge ds_private.dependencies) returns tstzmultirange
language plpgsql stable as $$
declare
  v_step interval := (select step from ds_private.dataset_versions where id = edge.dataset_version_id);
  v_dep ds_private.dataset_versions := (select d from ds_private.dataset_versions d where id = edge.depends_on_id);
  v_window tstzmultirange;
begin
  if edge.lookback_points is not null then
    select coalesce(range_agg(tstzrange(
             coalesce(ds_private.nth_point_before(v_dep.calendar, v_dep.step, lower(r) + v_step, edge.lookback_points), v_dep.start_at),
             upper(r))), '{}')
      into v_window from unnest(points) r;
  elsif edge.lookback is not null then
    select coalesce(range_agg(tstzrange(lower(r) - ds_private.lookback_span(edge.lookback), upper(r))), '{}')
      into v_window from unnest(points) r;
  else
    v_window := points;
  end if;
  return v_window * tstzmultirange(tstzrange(v_dep.start_at, null));
end;
$$;
comment on function ds_private.dependency_window(tstzmultirange, ds_private.dependencies) is 'The time of the dependency that the given points of the dependent read, lookback included.';
