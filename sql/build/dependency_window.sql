-- The one rule of what a point reads from a dependency, and its inverse. Planning
-- (plan_build.sql), task edges (link_tasks.sql), the worker's entries (ds_worker.start_task), SQL
-- builders' $3 (ds_worker.run_sql_task) and invalidation after writes and deletes (invalidate.sql)
-- all call these functions; worker/dependency-entries.ts only slices the entries
-- ds_worker.start_task gave it by the windows that came with them
-- (test/dependency-window-rule.test.ts compares them with each point's own window). The
-- rule itself is written once, set-based, in ds_private.window_bounds
-- (sql/registry/window_rule.sql: any number of runs of points at once; its
-- ds_private.point_windows gives each point's window, which SQL builders' :windowed reads).
-- ds_private.dependency_reaches applies it to point sets (link_tasks gives it every task of
-- a build, so planning stays linear), ds_private.dependency_window to one point set,
-- filtered by the dependency's calendar, and ds_private.point_entry_windows turns each
-- point's window into positions in a chunk's entries (the worker's windows).
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
language plpgsql stable set jit = off as $$
declare
  v_ids bigint[];
  v_starts timestamptz[];
  v_ends timestamptz[];
begin
  -- every run of every point set, through the rule at once (planning stays linear)
  select array_agg(i.id), array_agg(lower(r)), array_agg(upper(r)) into v_ids, v_starts, v_ends
  from unnest(dependency_reaches.ids, dependency_reaches.points) as i(id, points), unnest(i.points) r;
  return query
  select i.id, coalesce(range_agg(tstzrange(w.lo, w.hi)) filter (where w.lo is not null), '{}')
  from unnest(dependency_reaches.ids) as i(id)
  left join (select v_ids[x.n] as id, x.lo, x.hi from ds_private.window_bounds(edge, v_starts, v_ends) x) w on w.id = i.id
  group by i.id;
end;
$$;
comment on function ds_private.dependency_reaches(ds_private.dependencies, bigint[], tstzmultirange[]) is 'The window rule (ds_private.window_bounds) for point sets: for each (id, points) pair, the slots [g, g + step) of the dependency''s grid whose points g the given points of the dependent read through the edge (its window and lookback), before the dependency''s calendar and start date are applied; empty for empty points. Ids must be distinct. Slots of dependency points (tasks'' points, coverage) overlap a reach exactly when they hold a point the window reads.';

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

create or replace function ds_private.point_entry_windows(edge ds_private.dependencies, points tstzmultirange, entries tstzmultirange) returns jsonb
language plpgsql stable set jit = off as $$
declare
  -- the entries' points, lower, lower + step, ... of their slot ranges, as the worker expands
  -- them (a multirange's ranges come in order and generate_series counts up: sorted)
  v_dep_step interval := make_interval(secs => extract(epoch from (select d.step from ds_private.dataset_versions d where d.id = edge.depends_on_id)));
  v_times timestamptz[] := array(select t from unnest(entries) r, generate_series(lower(r), upper(r) - v_dep_step, v_dep_step) t);
begin
  -- per point, its window's entries [from, to): those before the window, those before its end
  -- (width_bucket: how many of the sorted entries are <= the value; times are whole
  -- microseconds). Sent as the text of int arrays ({0,1,...}): jsonb numbers cost 4 times
  -- as much to build
  return (select jsonb_build_object('from', coalesce(array_agg(w.f order by w.point), '{}')::text, 'to', coalesce(array_agg(w.t order by w.point), '{}')::text)
    from (select p.point,
                 case when isempty(p.reach) then 0 else width_bucket(lower(p.reach) - interval '1 microsecond', v_times) end as f,
                 case when isempty(p.reach) then 0 else width_bucket(upper(p.reach) - interval '1 microsecond', v_times) end as t
          from ds_private.point_windows(edge, points) p) w);
end;
$$;
comment on function ds_private.point_entry_windows(ds_private.dependencies, tstzmultirange, tstzmultirange) is 'Each point''s window as positions in a chunk''s dependency entries (entries: the slots ds_private.dependency_window gave for all its points, expanded), from ds_private.point_windows: {"from": "{...}", "to": "{...}"} (the text of int arrays), point i reads entries from[i] .. to[i] - 1. What the worker slices with (worker/dependency-entries.ts): the window rule stays in SQL.';
