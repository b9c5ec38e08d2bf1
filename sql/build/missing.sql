create or replace function ds.missing(dataset text, version text, start_at timestamptz, end_at timestamptz) returns setof tstzrange
language plpgsql stable as $$
declare
  v_version ds_private.dataset_versions := ds_private.find_version(dataset, version);
begin
  perform ds_private.check_range(start_at, end_at);
  -- subtract coverage first: only the gaps are checked against the calendar
  return query
  select r from unnest(ds_private.version_slots(v_version.id,
    tstzmultirange(tstzrange(start_at, end_at, '[]')) - v_version.coverage)) r;
end;
$$;
comment on function ds.missing(text, text, timestamptz, timestamptz) is 'The calendar points of [start_at, end_at] that are not built, as ranges of slots [first, last + granularity). Its cost follows the number of ranges, not of points. Built-empty points are built.';
