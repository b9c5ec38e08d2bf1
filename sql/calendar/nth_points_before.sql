-- ds_private.nth_point_before for many instants at once (planning links thousands of tasks
-- whose windows count N points back): one calendar_slots call over the span they reach,
-- then every instant's N-th point by counting, in two sorts (never one search per instant).

create or replace function ds_private.nth_points_before(calendar text, step interval, befores timestamptz[], n integer)
returns table (before timestamptz, point timestamptz)
language plpgsql stable parallel safe as $$
declare
  v_seconds float8 := extract(epoch from ds_private.calendar_step(step));
  v_first timestamptz := (select min(b) from unnest(befores) b);
  v_last timestamptz := (select max(b) from unnest(befores) b);
  v_from timestamptz;
begin
  if v_first is null then
    return;
  end if;
  -- the earliest point any instant reaches is the N-th before the first (this call also
  -- checks the calendar, the step and n); with fewer points, the calendar's start
  v_from := coalesce(ds_private.nth_point_before(calendar, step, v_first, n),
                     lower((ds_private.find_calendar(calendar)).span));
  return query
  with ranges as (
    select lower(r) as lo, (round((extract(epoch from upper(r)) - extract(epoch from lower(r))) / v_seconds))::bigint as cnt
    from unnest(ds_private.calendar_slots(calendar, step, tstzrange(v_from, v_last, '[)'))) r
  ), numbered as (
    -- rn: the range's rank; done: how many points the earlier ranges hold
    select r.lo, r.cnt, row_number() over w as rn,
           coalesce(sum(r.cnt) over (w rows between unbounded preceding and 1 preceding), 0)::bigint as done
    from ranges r window w as (order by r.lo)
  ), instants as (
    select distinct b from unnest(befores) b
  ), ranked as (
    -- per instant, the rank of the last range starting before it (a range sorts after an
    -- instant equal to its start)
    select e.b, count(*) filter (where e.kind = 1) over (order by e.at, e.kind rows unbounded preceding) as rn
    from (select i.b as at, 0 as kind, i.b from instants i
          union all
          select r.lo, 1, null from numbered r) e
  ), counted as (
    -- k: the index (from 0) of the instant's N-th point before it; negative when too few
    select x.b, r.done + least(r.cnt, ceil((extract(epoch from x.b) - extract(epoch from r.lo)) / v_seconds)::bigint) - n as k
    from ranked x join numbered r on r.rn = x.rn
    where x.b is not null
  ), located as (
    -- per index, the rank of the last range whose first index is at or before it
    select e.b, e.k, count(*) filter (where e.kind = 0) over (order by e.at, e.kind rows unbounded preceding) as rn
    from (select r.done as at, 0 as kind, null::timestamptz as b, null::bigint as k from numbered r
          union all
          select c.k, 1, c.b, c.k from counted c where c.k >= 0) e
  )
  select i.b, to_timestamp(extract(epoch from r.lo) + (l.k - r.done) * v_seconds)
  from instants i
  left join located l on l.b = i.b
  left join numbered r on r.rn = l.rn;
end;
$$;
comment on function ds_private.nth_points_before(text, interval, timestamptz[], integer) is 'For each instant, ds_private.nth_point_before(calendar, step, instant, n): the n-th most recent calendar point before it (null when the calendar has fewer), computed for all instants at once from one calendar_slots call.';
