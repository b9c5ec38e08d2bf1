-- The window rule of a dependency edge, written once: which time a run of points of the
-- dependent reads from the dependency (ds_private.window_bounds), and each point's own window
-- (ds_private.point_windows). Everything that follows the rule calls these: planning, task
-- edges and invalidation through sql/build/dependency_window.sql, the worker's per-point
-- windows (ds_private.point_entry_windows), SQL builders' :windowed("name")
-- (ds_private.compile_builder_sql). The rule in words: README, "Dependency windows", and the
-- head of sql/build/dependency_window.sql.

create or replace function ds_private.window_bounds(edge ds_private.dependencies, run_starts timestamptz[], run_ends timestamptz[])
returns table (n bigint, lo timestamptz, hi timestamptz)
-- its statement is cheap but estimated at 100 rows per array element: without this, thousands
-- of points cost 150 ms of JIT compilation where jit is on (PostgreSQL 15's default)
language plpgsql stable set jit = off as $$
declare
  v_step interval := (select x.step from ds_private.dataset_versions x where x.id = edge.dataset_version_id);
  v_dep ds_private.dataset_versions := (select d from ds_private.dataset_versions d where d.id = edge.depends_on_id);
  v_grid interval := ds_private.calendar_step(v_dep.step);
  v_bucket boolean := edge.window_kind = 'bucket';
  -- a wall-clock lookback's reach back from T, once (not parsed again per run)
  v_span interval := case when edge.lookback_points is null and edge.lookback is not null then ds_private.lookback_span(edge.lookback) end;
  v_counted_from timestamptz[];
  v_befores timestamptz[];
  v_nth timestamptz[];
begin
  -- Per run of points [a, b) (T = a, a + S, ..., b - S): the time [lo, hi] whose dependency
  -- points some T of the run reads ('point' windows end at the last T, closed; 'bucket'
  -- ones at b, open), as the dependency's grid slots [g, g + s) of the grid points g in
  -- it: align_up(lo) to align_down(hi) + s, or align_up(b) when open, the very bounds
  -- ds_private.calendar_slots takes of a range
  if edge.lookback_points is not null then
    -- a counted lookback starts at the N-th dependency point before T + S (bucket), or
    -- before T + 1 microsecond (point: at or before T): found for every run at once, and
    -- only for counted lookbacks (a plan that merely skips it can still run it)
    v_counted_from := array(select case when v_bucket then a + v_step else a + interval '1 microsecond' end from unnest(window_bounds.run_starts) a);
    select array_agg(x.before), array_agg(x.point) into v_befores, v_nth
    from ds_private.nth_points_before(v_dep.calendar, v_dep.step, array(select distinct c from unnest(v_counted_from) c), edge.lookback_points) x;
  end if;
  return query
  select r.n,
         ds_private.align_up(case
           when edge.lookback_points is not null then coalesce(x.point, v_dep.start_at)
           when v_span is not null then r.a - v_span
           else r.a
         end, v_grid),
         case when v_bucket then ds_private.align_up(r.b, v_grid)
              else ds_private.align_down(r.b - v_step, v_grid) + v_grid end
  from unnest(window_bounds.run_starts, window_bounds.run_ends) with ordinality as r(a, b, n)
  left join unnest(v_befores, v_nth) as x(before, point) on x.before = v_counted_from[r.n];
end;
$$;
comment on function ds_private.window_bounds(ds_private.dependencies, timestamptz[], timestamptz[]) is 'The window rule, set-based, written once: for each run of points [run_starts[n], run_ends[n]) of the dependent, the slots [lo, hi) of the dependency''s grid whose points some point of the run reads through the edge (its window and lookback), before the dependency''s calendar and start date are applied.';

create or replace function ds_private.point_windows(edge ds_private.dependencies, points tstzmultirange)
returns table (point timestamptz, reach tstzrange)
language plpgsql stable set jit = off as $$
declare
  -- the points are lower, lower + step, ... of each slot range: a fixed step (a day is 24 hours)
  v_step interval := make_interval(secs => extract(epoch from (select x.step from ds_private.dataset_versions x where x.id = edge.dataset_version_id)));
  v_start timestamptz := (select d.start_at from ds_private.dataset_versions d where d.id = edge.depends_on_id);
  v_points timestamptz[];
begin
  -- an unbounded range (a compile check's nulls) has no points
  select array_agg(t order by t) into v_points
  from unnest(point_windows.points) r, generate_series(lower(r), upper(r) - v_step, v_step) t
  where isfinite(lower(r)) and isfinite(upper(r));
  if v_points is null then
    return;
  end if;
  -- each point is its own run [T, T + S): one range per point, clamped to the dependency's start date
  return query
  select v_points[x.n], tstzrange(greatest(x.lo, v_start), greatest(x.hi, v_start))
  from ds_private.window_bounds(edge, v_points, array(select t + v_step from unnest(v_points) t)) x
  order by x.n;
end;
$$;
comment on function ds_private.point_windows(ds_private.dependencies, tstzmultirange) is 'The window of each point of the dependent in points (slot ranges) on the dependency of the edge, in point order: the time range [lower, upper) of the dependency''s grid slots the point reads (ds_private.window_bounds with the point as its own run), from the dependency''s start date; empty when it reads nothing. The dependency''s rows in it are the point''s rows (SQL builders'' :windowed("name"); the worker''s per-point entries, ds_private.task_spec).';
