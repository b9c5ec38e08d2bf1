-- The packing job (docs/storage.md): graphile-worker's crontab runs the task ds_pack
-- (worker/pack-task.ts), which packs the partitions that ended before each version's
-- horizon (now - [storage] pack-after), one partition per transaction so that no lock is
-- held for long.

create or replace function ds_worker.partitions_to_pack(as_of timestamptz default now())
returns table (dataset text, version text, start_at timestamptz)
language sql stable as $$
  select v.name, v.version, lower(p.bounds)
  from ds_private.dataset_versions v, ds_private.version_partitions(v.id) p
  where v.pack_after is not null and upper(p.bounds) <= ds_private.pack_boundary(v, as_of)
  order by v.id, p.bounds
$$;
comment on function ds_worker.partitions_to_pack(timestamptz) is 'Worker API: the partitions the packing job packs as of as_of: those of versions with [storage] pack-after that end at or before now less it, oldest first.';

create or replace function ds_worker.pack_partition(dataset text, version text, start_at timestamptz) returns bigint
language plpgsql volatile as $$
declare
  v ds_private.dataset_versions := ds_private.find_version(dataset, version);
begin
  -- a table busy for long is left to the next run: 55P03 after 5 s
  perform set_config('lock_timeout', '5s', true);
  return ds_private.pack_partition(v.id, start_at);
end;
$$;
comment on function ds_worker.pack_partition(text, text, timestamptz) is 'Worker API: packs one partition of a version (the one starting at start_at) in the caller''s transaction; returns its rows, null when it is not there any more. 55P03 when its table stays locked for 5 s.';
