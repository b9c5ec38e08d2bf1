-- What a REST read needs to know of its range before its rows: how many calendar points it
-- has and whether some are not built, from one lookup of the version.

create or replace function ds_server.read_status(dataset text, version text, start_at timestamptz, end_at timestamptz, build boolean,
  out points bigint, out gaps boolean, out build_first boolean)
language plpgsql stable as $$
declare
  v ds_private.dataset_versions := ds_private.find_version(dataset, version);
  v_range tstzmultirange;
  v_gaps boolean;
begin
  -- the checks and the count of ds_server.count_points, in its order
  perform ds_private.check_range(start_at, end_at);
  perform ds_private.check_not_before_start(v, start_at, end_at);
  v_range := tstzmultirange(tstzrange(start_at, end_at, '[]'));
  points := ds_private.count_version_points(v, v_range);
  -- ds.missing's rule: the slots of what coverage leaves out of the range (none when it covers it all)
  v_gaps := points > 0 and not (v_range <@ v.coverage) and not isempty(ds_private.version_slots(v.id, v_range - v.coverage));
  -- with build, ds.data's checks (read only when there are points); then it builds, unless nothing is missing
  if build and points > 0 then
    perform ds_private.check_data_build(v, start_at, end_at);
  end if;
  gaps := v_gaps and not build;
  build_first := v_gaps and build and v.builder <> 'external';
end;
$$;
comment on function ds_server.read_status(text, text, timestamptz, timestamptz, boolean) is 'For a REST read of a dataset version over [start_at, end_at]: the number of calendar points in the range (ds_server.count_points), whether some of them are not built (ds.missing is not empty; false with build), and whether the read must build first (build, points missing, not an external dataset). Errors as count_points (DS001/DS002 unknown dataset or version, DS012/DS035 bad range), and with build and points as ds.data(..., build => true) (DS022, DS033).';

create or replace function ds_server.data_select_sql(dataset text, version text) returns text
language plpgsql stable as $$
begin
  return ds_private.data_select_sql((ds_private.find_version(dataset, version)).id, '$3', '$4', as_text => true);
end;
$$;
comment on function ds_server.data_select_sql(text, text) is 'The query (ts, data text) of a dataset version''s rows in [$3, $4] through its typed read, for the REST API''s prepared statements: data is the text of ds.data''s jsonb data; DS001/DS002 for an unknown dataset or version.';
