-- Counting the calendar points of a dataset version in a range, by arithmetic on slot ranges.

create or replace function ds_private.count_version_points(v ds_private.dataset_versions, within tstzmultirange) returns bigint
language plpgsql stable as $$
begin
  return (select coalesce(sum((extract(epoch from upper(r) - lower(r)) / extract(epoch from v.step))::bigint), 0)
          from unnest(ds_private.version_slots(v.id, within)) r);
end;
$$;
comment on function ds_private.count_version_points(ds_private.dataset_versions, tstzmultirange) is 'The number of calendar points of a dataset version inside within, from its start date on: its slots'' total length divided by its step.';

create or replace function ds_server.count_points(dataset text, version text, start_at timestamptz, end_at timestamptz) returns bigint
language plpgsql stable as $$
declare
  v_version ds_private.dataset_versions := ds_private.find_version(dataset, version);
begin
  perform ds_private.check_range(start_at, end_at);
  perform ds_private.check_not_before_start(v_version, start_at, end_at);
  return ds_private.count_version_points(v_version, tstzmultirange(tstzrange(start_at, end_at, '[]')));
end;
$$;
comment on function ds_server.count_points(text, text, timestamptz, timestamptz) is 'The number of calendar points of a dataset version in [start_at, end_at] (inclusive), from its start date on: the points a build of that range covers. Errors: DS001 unknown dataset, DS012 bad range or one that ends before the start date (as ds.build).';
