-- Packing cold partitions on request (docs/storage.md, "Packed partitions"); the packing job
-- does the same for [storage] pack-after (sql/worker/apply_packing.sql). Reads are the same
-- before and after: the view ds_data.<table> and the typed read unpack what is packed.

create or replace function ds.pack(dataset text, version text, before timestamptz default null)
returns table (partitions integer, rows bigint)
language plpgsql volatile as $$
declare
  v ds_private.dataset_versions := ds_private.find_version(dataset, version);
  v_before timestamptz := coalesce(before, ds_private.pack_boundary(v, now()));
  v_rows bigint;
  v_part record;
  v_names text[] := '{}';
begin
  perform ds_private.check_primary('ds.pack');
  if v_before is null then
    raise exception '% % has no [storage] pack-after', v.name, v.version using errcode = 'DS065',
      detail = 'ds.pack without before packs the partitions older than the version''s pack-after.',
      hint = format('Pass before, for example select * from ds.pack(%L, %L, now() - interval ''90 days'').', v.name, v.version);
  end if;
  partitions := 0;
  rows := 0;
  -- every partition's rows first, then the drops: readers wait only from the first drop to
  -- the commit, not while the rows are packed
  for v_part in select p.* from ds_private.version_partitions(v.id) p where upper(p.bounds) <= v_before order by p.bounds loop
    v_rows := ds_private.pack_partition_rows(v.id, lower(v_part.bounds));
    if v_rows is not null then
      partitions := partitions + 1;
      rows := rows + v_rows;
      v_names := v_names || v_part.partition_name;
    end if;
  end loop;
  perform ds_private.drop_partitions(v.id, v_names, false);
  return next;
end;
$$;
comment on function ds.pack(text, text, timestamptz) is '@behavior -*
Packs the time partitions of a dataset version that end at or before before (default: now() less its [storage] pack-after; DS065 when it has none), in one transaction: their rows become batches of one row per key and up to 1000 rows with an array per column, compressed by PostgreSQL (lz4 where the server has it). Reads through every interface return the same rows; a write, build or delete that reaches a packed partition unpacks it first. Returns the partitions packed and their rows.';

create or replace function ds.unpack(dataset text, version text, start_at timestamptz, end_at timestamptz)
returns integer
language plpgsql volatile as $$
declare
  v ds_private.dataset_versions := ds_private.find_version(dataset, version);
begin
  perform ds_private.check_primary('ds.unpack');
  perform ds_private.check_range(start_at, end_at);
  return ds_private.unpack_range(v.id, tstzrange(start_at, end_at, '[]'));
end;
$$;
comment on function ds.unpack(text, text, timestamptz, timestamptz) is '@behavior -*
Unpacks the packed partitions of a dataset version with rows in [start_at, end_at] back into ordinary partitions; returns how many. Writes, builds and deletes do this by themselves; the packing job packs them again once they are older than [storage] pack-after.';
