-- ds.gaps: a continuity report of a dataset version against its calendar.

create or replace function ds_private.point_runs(slots tstzmultirange, closed tstzmultirange, step interval)
returns table (from_ts timestamptz, to_ts timestamptz, points bigint)
language sql immutable parallel safe as $$
  -- runs of slots merged across closed time: a gap over a weekend is one run
  select lower(s), upper(s) - step, ds_private.slot_count(s, step)
  from unnest(slots + closed) r
  cross join lateral (select slots * tstzmultirange(r) as s) x
  where not isempty(s)
  order by 1
$$;
comment on function ds_private.point_runs(tstzmultirange, tstzmultirange, interval) is 'The runs of calendar points of a multirange of slots, merged across closed (time without calendar points) so that one run spans nights, weekends and holidays: first point, last point, number of points.';

create or replace function ds_private.gaps_sql(v ds_private.dataset_versions) returns text
language sql immutable as $$
  -- $1 start, $2 end, $3 calendar slots of the request, $4 step, $5 closed time, $6 built slots
  select format(
    'with t as (select distinct %s as ts from ds_data.%I t where t.ts >= $1 and t.ts <= $2), '
    'c as (select t.ts, t.ts <@ $3 and date_bin($4, t.ts, timestamptz ''epoch'') = t.ts as expected from t), '
    'u as (select c.ts, c.expected, count(*) filter (where c.expected) over (order by c.ts) as island from c), '
    'p as (select c.ts - $4 * row_number() over (order by c.ts) as island, c.ts from c where c.expected), '
    'present as (select coalesce(range_agg(i.r), ''{}'') as slots from '
    '  (select tstzrange(min(p.ts), max(p.ts) + $4) as r from p group by p.island) i) '
    'select ''empty''::text, e.from_ts, e.to_ts, e.points from present, ds_private.point_runs($6 - present.slots, $5, $4) e '
    'union all '
    'select ''unexpected'', min(u.ts), max(u.ts), count(*) from u where not u.expected group by u.island',
    -- a dataset written from outside has rows anywhere in its slots: each counts for its slot's point
    case when v.builder = 'external' then 'date_bin($4, t.ts, timestamptz ''epoch'')' else 't.ts' end, v.table_name)
$$;
comment on function ds_private.gaps_sql(ds_private.dataset_versions) is 'The statement of the empty and unexpected rows of ds.gaps: one pass over the distinct timestamps of [$1, $2]; present points become slot ranges (one per run of consecutive points) subtracted from the built slots $6; unexpected timestamps are grouped into runs with no expected timestamp between them. For a dataset written from outside a row counts for the point of its slot.';

create or replace function ds_private.gaps_rows(v ds_private.dataset_versions, start_at timestamptz, end_at timestamptz,
  slots tstzmultirange, closed tstzmultirange)
returns table (kind text, from_ts timestamptz, to_ts timestamptz, points bigint)
language plpgsql stable as $$
begin
  return query execute ds_private.gaps_sql(v)
    using start_at, end_at, slots, v.step, closed, slots * v.coverage;
end;
$$;
comment on function ds_private.gaps_rows(ds_private.dataset_versions, timestamptz, timestamptz, tstzmultirange, tstzmultirange) is 'The empty and unexpected runs of ds.gaps (see ds_private.gaps_sql).';

create or replace function ds.gaps(dataset text, version text, start_at timestamptz, end_at timestamptz)
returns table (kind text, from_ts timestamptz, to_ts timestamptz, points bigint)
language plpgsql stable set search_path = pg_catalog, pg_temp as $$
declare
  v ds_private.dataset_versions := ds_private.find_version(dataset, version);
  v_request tstzmultirange;
  v_slots tstzmultirange;
  v_closed tstzmultirange;
begin
  perform ds_private.check_range(start_at, end_at);
  v_request := tstzmultirange(tstzrange(start_at, end_at, '[]'));
  v_slots := ds_private.version_slots(v.id, v_request);
  v_closed := v_request - v_slots;
  return query
    select g.kind, g.from_ts, g.to_ts, g.points from (
      select 'missing'::text as kind, m.from_ts, m.to_ts, m.points
      from ds_private.point_runs(ds_private.version_slots(v.id, v_request - v.coverage), v_closed, v.step) m
      union all
      select * from ds_private.gaps_rows(v, start_at, end_at, v_slots, v_closed)) g
    order by g.from_ts, g.kind;
end;
$$;
comment on function ds.gaps(text, text, timestamptz, timestamptz) is '@behavior -connection +list
Continuity report of a dataset version against its calendar over [start_at, end_at], as (kind, from_ts, to_ts, points), ordered by from_ts. kind missing: runs of calendar points not built (from coverage, like ds.missing); empty: runs of built points without rows (built-empty); unexpected: timestamps with rows that are not calendar points of the dataset (off the grid, outside sessions, before its start date; for a dataset written from outside, whose rows may sit anywhere in a slot: slots that are not calendar slots), in runs with no calendar point with rows between them. from_ts and to_ts are the first and last point (timestamp) of a run, points the number of points (timestamps) in it; runs of missing and empty points continue across closed time. Cost: missing follows the number of coverage ranges and sessions; empty and unexpected read the distinct timestamps of the range once (the primary key), so they follow the rows. Raises DS001, DS012.';
