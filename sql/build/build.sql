-- ds.build: plan the whole dependency closure of a request and enqueue only missing work.

create or replace function ds.build(dataset text, version text, start_at timestamptz, end_at timestamptz) returns bigint
language plpgsql volatile as $$
declare
  v_version ds_private.dataset_versions := ds_private.find_version(dataset, version);
  v_request tstzmultirange;
  v_first timestamptz;
  v_build_id bigint;
begin
  perform ds_private.check_primary('ds.build');
  perform ds_private.check_range(start_at, end_at);
  if v_version.builder = 'external' then
    perform ds_private.raise_not_built(v_version);
  end if;
  perform ds_private.check_not_before_start(v_version, start_at, end_at);
  -- only the first point is looked up here: slots are computed after coverage is
  -- subtracted (plan_build), so an already built range costs the same whatever its length
  v_request := tstzmultirange(tstzrange(greatest(start_at, v_version.start_at), end_at, '[]'));
  v_first := ds_private.nth_point_after(v_version.calendar, v_version.step, lower(v_request) - interval '1 microsecond', 1);
  if v_first is null or v_first > end_at then
    -- "no valid timestamps in range": the original builder server's words
    raise exception 'no valid timestamps in range [%, %] for % %: the calendar has no points there', start_at, end_at, dataset, version
      using errcode = 'DS013',
            detail = format('calendar %s, granularity %s, start-date %s', v_version.calendar, v_version.granularity, v_version.start_at),
            hint = 'Widen the range or check the calendar with ds.calendar_points(...).';
  end if;
  insert into ds_private.builds (dataset_version_id, start_at, end_at)
  values (v_version.id, greatest(build.start_at, v_version.start_at), build.end_at)
  returning id into v_build_id;
  perform ds_private.plan_build(v_build_id, v_request);
  perform pg_notify('ds_progress', json_build_object('build', v_build_id, 'event', 'planned')::text);
  return v_build_id;
end;
$$;
comment on function ds.build(text, text, timestamptz, timestamptz) is '@behavior -*
Builds a dataset version over [start_at, end_at] (inclusive) and everything it depends on; returns the build id at once. Only points that are neither built nor in flight in another build become work; follow it with ds.wait(id) or the ds.builds view. Errors: DS001 unknown dataset, DS012 bad range, DS013 no calendar points, DS026 a dataset written from outside (ds.write), which is never built.';
