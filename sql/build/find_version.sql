-- Looking up a dataset version by name, with the error every ds function uses.

create or replace function ds_private.find_version(dataset text, version text) returns ds_private.dataset_versions
language plpgsql stable as $$
declare
  v_row ds_private.dataset_versions;
begin
  select * into v_row from ds_private.dataset_versions dv
  where dv.name = find_version.dataset and dv.version = find_version.version;
  if not found then
    -- a version that is no version is said so first (DS002), whether or not the dataset exists
    perform ds_private.parse_semver(dataset, version);
    -- "dataset NAME/VERSION not found": the original builder server's words
    raise exception 'dataset %/% not found', coalesce(dataset, 'null'), coalesce(version, 'null')
      using errcode = 'DS001',
            detail = coalesce((select 'registered versions of ' || dataset || ': ' || string_agg(dv.version, ', ' order by dv.major, dv.minor, dv.patch)
                               from ds_private.dataset_versions dv where dv.name = find_version.dataset), 'no dataset of that name is registered'),
            hint = 'Run ds sync after adding builders/<name>/<version>/config.toml; select name, version from ds.datasets lists what is registered.';
  end if;
  return v_row;
end;
$$;
comment on function ds_private.find_version(text, text) is 'The registered dataset version of that name and version; raises DS002 when version is not a semantic version, DS001 when there is no such version.';

create or replace function ds_private.lock_dataset(version_id integer) returns void
language plpgsql volatile as $$
begin
  -- a dry run (rolled back, never committed: see dry_run.sql) must not block real builds
  if pg_catalog.current_setting('ds.dry_run', true) is distinct from 'on' then
    perform pg_advisory_xact_lock(7412002, version_id);
  end if;
end;
$$;
comment on function ds_private.lock_dataset(integer) is 'Serialises planning, completion and deletion of one dataset version until the end of the transaction; takes nothing in a dry run (ds.dry_run on), whose transaction can never commit.';

create or replace function ds_private.check_range(start_at timestamptz, end_at timestamptz) returns void
language plpgsql immutable as $$
begin
  if start_at is null or end_at is null then
    raise exception 'start and end are required' using errcode = 'DS012',
      detail = format('start: %s, end: %s', coalesce(start_at::text, 'null'), coalesce(end_at::text, 'null')),
      hint = 'Pass both timestamps, for example ''2024-01-01'' and ''2024-01-31''.';
  end if;
  if not isfinite(start_at) or not isfinite(end_at) then
    raise exception 'the range must be finite: % is not a finite timestamp', case when isfinite(start_at) then end_at else start_at end
      using errcode = 'DS035', detail = format('start: %s, end: %s', start_at, end_at),
            hint = 'Use finite timestamps, for example ''2024-01-01'' and ''2024-12-31''.';
  end if;
  if start_at > end_at then
    raise exception 'start % is after end %', start_at, end_at using errcode = 'DS012',
      detail = 'The range is inclusive: start must be at or before end.', hint = 'Swap the two timestamps.';
  end if;
end;
$$;
comment on function ds_private.check_range(timestamptz, timestamptz) is 'Validates an inclusive [start, end] range: DS012 (a missing bound, start after end), DS035 (infinity or -infinity).';

create or replace function ds_private.version_slots(version_id integer, within tstzmultirange) returns tstzmultirange
language sql stable as $$
  select coalesce(range_agg(s), '{}')
  from ds_private.dataset_versions v,
       unnest(within * tstzmultirange(tstzrange(v.start_at, null))) r,
       unnest(ds_private.calendar_slots(v.calendar, v.step, r)) s
  where v.id = version_id
$$;
comment on function ds_private.version_slots(integer, tstzmultirange) is 'The calendar slots [p, p + step) of a dataset version inside within, from its start date on.';
