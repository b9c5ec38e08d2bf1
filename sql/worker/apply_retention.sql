-- The retention job (docs/storage.md): graphile-worker's crontab runs the task ds_retention
-- (worker/retention-task.ts), which applies retention to each version that has some, one
-- version per transaction: the partitions that end at or before its boundary are dropped and
-- its coverage before the boundary removed, together, so that ds.missing, ds.gaps and the
-- catalog tell what is there. Dependents keep what they built from the dropped rows.

create or replace function ds_worker.retention_versions() returns table (dataset text, version text)
language sql stable as $$
  select v.name, v.version from ds_private.dataset_versions v where v.retention is not null order by v.id
$$;
comment on function ds_worker.retention_versions() is 'Worker API: the versions with a retention ([storage] retention), for the retention job.';

create or replace function ds_worker.apply_retention(dataset text, version text, as_of timestamptz default now())
returns table (partitions integer, boundary timestamptz)
language plpgsql volatile as $$
declare
  v ds_private.dataset_versions := ds_private.find_version(dataset, version);
  v_old text[];
  v_packed boolean;
begin
  boundary := ds_private.retention_boundary(v, as_of);
  if boundary is null then
    return;
  end if;
  v_old := array(select p.partition_name from ds_private.version_partitions(v.id) p where upper(p.bounds) <= boundary order by p.bounds);
  partitions := cardinality(v_old);
  execute format('select exists (select from ds_packed.%I p where p."@first_ts" < $1)', v.table_name) into v_packed using boundary;
  if partitions = 0 and not v_packed and not v.coverage && tstzmultirange(tstzrange(null, boundary)) then
    return next;
    return;
  end if;
  -- a table busy for long (a long read, a chunk) is left to the next run rather than queue
  -- every reader behind this lock: 55P03 after 5 s
  perform set_config('lock_timeout', '5s', true);
  if partitions > 0 then
    execute format('lock table ds_store.%I in access exclusive mode', v.table_name);
  elsif v_packed then
    -- the table first, as every writer: no partition is created or packed meanwhile
    execute format('lock table ds_store.%I in share update exclusive mode', v.table_name);
  end if;
  perform ds_private.lock_dataset(v.id);
  perform ds_private.drop_partitions(v.id, v_old, false);
  -- packed partitions before the boundary go too (a batch never spans two partitions, and
  -- the boundary is a partition's start)
  if v_packed then
    partitions := partitions + cardinality(ds_private.packed_partition_starts(v.id, tstzrange(null, boundary, '()')));
    execute format('delete from ds_packed.%I p where p."@first_ts" < $1', v.table_name) using boundary;
  end if;
  update ds_private.dataset_versions x set coverage = x.coverage - tstzmultirange(tstzrange(null, boundary)) where x.id = v.id;
  return next;
end;
$$;
comment on function ds_worker.apply_retention(text, text, timestamptz) is 'Worker API: applies a version''s retention as of as_of (default now) in the caller''s transaction: drops the partitions that end at or before its boundary (ds_private.retention_boundary), packed or not, and removes its coverage before the boundary; returns how many partitions went and the boundary (no row without retention). 55P03 when the table stays locked for 5 s (the next run tries again).';
