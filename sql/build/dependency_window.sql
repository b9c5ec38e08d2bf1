-- The one rule of what a point reads from a dependency, and its inverse. Planning
-- (plan_build.sql), task edges (link_tasks.sql), the worker's entries (ds_worker.start_task), SQL
-- builders' $3 (ds_worker.run_sql_task) and invalidation after writes and deletes (invalidate.sql)
-- all call these functions; worker/dependency-entries.ts only slices, per point, the
-- entries ds_worker.start_task gave it, with the same rule (test/dependency-windows.test.ts
-- compares both on many cases). The rule itself is written once, set-based, in
-- ds_private.dependency_reaches (any number of point sets at once: link_tasks gives it
-- every task of a build, so planning stays linear); ds_private.dependency_window is it for
-- one point set, filtered by the dependency's calendar.
--
-- For a point T of a dataset with step S, on a dependency with step s (window_kind):
--   'point' (the default) — the original builder server's rule (Wat-Street/datastream,
--     builders/server/core/service/worker.py, _fetch_dep_data: "For deps with lookback,
--     fetches a range [ts - lookback_subtract, ts]. For deps without lookback, fetches just
--     the single timestamp."; runtime/config.py, parse_lookback: '"5d" -> timedelta(days=4),
--     so the window [T - 4d, T] contains exactly 5 days'):
--       no lookback          the dependency's point T itself (nothing when it has none at T)
--       lookback "Nu"        its points in [T - (N - 1)u, T] (u: the lookback's own unit)
--       lookback N           its N calendar points ending at the last one <= T
--   'bucket' — the bucket T labels, [T, T + S), widened back by the lookback:
--       no lookback          its points in [T, T + S)   ("the hours of this day")
--       lookback "Nu"        its points in [T - (N - 1)u, T + S)
--       lookback N           its N calendar points before T + S
--     For a dataset coarser than the dependency this reads data after T (look-ahead).
-- Both are clamped to the dependency's start date, so near it a point reads fewer points.

create or replace function ds_private.dependency_reaches(edge ds_private.dependencies, ids bigint[], points tstzmultirange[])
returns table (id bigint, reach tstzmultirange)
language plpgsql stable as $$
declare
  v_step interval := (select x.step from ds_private.dataset_versions x where x.id = edge.dataset_version_id);
  v_dep ds_private.dataset_versions := (select d from ds_private.dataset_versions d where d.id = edge.depends_on_id);
  v_grid interval := ds_private.calendar_step(v_dep.step);
  v_bucket boolean := edge.window_kind = 'bucket';
begin
  -- set-based (plpgsql so that it runs once, not inlined into a join and re-run per row).
  -- Per run of points [a, b) (T = a, a + S, ..., b - S): the time [lo, hi] whose dependency
  -- points some T of the run reads ('point' windows end at the last T, closed; 'bucket'
  -- ones at b, open), as the dependency's grid slots [g, g + s) of the grid points g in
  -- it: align_up(lo) to align_down(hi) + s, or align_up(b) when open, the very bounds
  -- ds_private.calendar_slots takes of a range
  return query
  with runs as (
    select i.id, lower(r) as a, upper(r) as b,
           -- counted lookback: the N-th point < T + S (bucket), or <= T (point: < T + 1
           -- microsecond, the resolution)
           case when v_bucket then lower(r) + v_step else lower(r) + interval '1 microsecond' end as counted_from
    from unnest(dependency_reaches.ids, dependency_reaches.points) as i(id, points), unnest(i.points) r
  ), nth as (
    select n.before, n.point from ds_private.nth_points_before(v_dep.calendar, v_dep.step,
      array(select distinct r.counted_from from runs r), edge.lookback_points) n
    where edge.lookback_points is not null
  ), bounds as (
    select r.id,
           case
             when edge.lookback_points is not null then coalesce(n.point, v_dep.start_at)
             when edge.lookback is not null then r.a - ds_private.lookback_span(edge.lookback)
             else r.a
           end as lo,
           case when v_bucket then ds_private.align_up(r.b, v_grid)
                else ds_private.align_down(r.b - v_step, v_grid) + v_grid end as hi_slot
    from runs r left join nth n on n.before = r.counted_from
  )
  select i.id, coalesce(range_agg(tstzrange(ds_private.align_up(b.lo, v_grid), b.hi_slot)), '{}')
  from unnest(dependency_reaches.ids) as i(id) left join bounds b on b.id = i.id
  group by i.id;
end;
$$;
comment on function ds_private.dependency_reaches(ds_private.dependencies, bigint[], tstzmultirange[]) is 'The window rule, set-based: for each (id, points) pair, the slots [g, g + step) of the dependency''s grid whose points g the given points of the dependent read through the edge (its window and lookback), before the dependency''s calendar and start date are applied. Ids must be distinct. Slots of dependency points (tasks'' points, coverage) overlap a reach exactly when they hold a point the window reads.';

create or replace function ds_private.dependency_window(points tstzmultirange, edge ds_private.dependencies) returns tstzmultirange
language sql stable as $$
  -- the dependency's calendar points in the reach, as its slots [p, p + s), from its start date
  select ds_private.version_slots(edge.depends_on_id, r.reach)
  from ds_private.dependency_reaches(edge, array[0::bigint], array[points]) r
$$;
comment on function ds_private.dependency_window(tstzmultirange, ds_private.dependencies) is 'The dependency''s calendar slots [p, p + step) that the given points of the dependent read through the edge (its window and lookback), clamped to the dependency''s start date: ds_private.dependency_reaches filtered by the dependency''s calendar.';

create or replace function ds_private.affected_points(edge ds_private.dependencies, slots tstzmultirange) returns tstzmultirange
language plpgsql stable as $$
declare
  v_step interval := (select x.step from ds_private.dataset_versions x where x.id = edge.dataset_version_id);
  v_dep ds_private.dataset_versions := (select d from ds_private.dataset_versions d where d.id = edge.depends_on_id);
  v_bucket boolean := edge.window_kind = 'bucket';
  v_span interval := case when edge.lookback_interval is not null then ds_private.lookback_span(edge.lookback) else interval '0' end;
begin
  -- a changed point p (from the one whose slot holds the start of a changed range to the
  -- last one before its end) is read by the dependent's points T:
  --   point:  T in [p, p + span] (wall clock; span 0 without lookback),
  --           T in [p, q) with q the N-th dependency point after p (counted N)
  --   bucket: T in (p - S, p + span], or T in (p - S, q - S] (counted N)
  return coalesce((
    select range_agg(tstzrange(y.lo, y.hi))
    from (select case when v_bucket then ds_private.align_down(x.first_p, v_step) else ds_private.align_up(x.first_p, v_step) end as lo,
                 case
                   when edge.lookback_points is null then ds_private.align_down(x.last_p + v_span, v_step) + v_step
                   when x.q is null then 'infinity'
                   when v_bucket then ds_private.align_down(x.q, v_step)
                   else ds_private.align_up(x.q, v_step)
                 end as hi
          from (select f.first_p, f.last_p,
                       case when edge.lookback_points is not null
                            then ds_private.nth_point_after(v_dep.calendar, v_dep.step, f.last_p, edge.lookback_points) end as q
                from (select ds_private.align_down(lower(r), v_dep.step) as first_p,
                             ds_private.align_up(upper(r), v_dep.step) - v_dep.step as last_p
                      from unnest(slots) r) f) x) y
    where y.lo < y.hi), '{}');
end;
$$;
comment on function ds_private.affected_points(ds_private.dependencies, tstzmultirange) is 'The inverse of ds_private.dependency_window: the points (slot ranges of the dependent) whose windows read any of the given slots of the dependency, lookback included.';
