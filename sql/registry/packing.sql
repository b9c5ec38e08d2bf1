-- Packing and unpacking whole time partitions (docs/storage.md, "Packed partitions"). A
-- packed partition is no longer a partition of ds_store.<table>: its rows are batches in
-- ds_packed.<table> (one row per key and up to 1,000 rows, an array per column, TOAST
-- compresses them) and the view ds_data.<table> unpacks them for every reader. A write or a
-- chunk that reaches a packed partition unpacks it first: ensure_partitions, which every
-- writer calls, finds the partition missing and unpack_partition puts its rows back.

create or replace function ds_private.pack_partition_rows(version_id integer, start_at timestamptz) returns bigint
language plpgsql volatile security definer set search_path = pg_catalog, pg_temp as $$
declare
  v ds_private.dataset_versions := (select r from ds_private.dataset_versions r where r.id = pack_partition_rows.version_id);
  v_name text := ds_private.partition_name(v.id, start_at);
  -- key columns unqualified (the inner query's, then the outer one's), the order of a key's rows
  v_key text := (select string_agg(format('%I', c.name), ', ' order by c.ord) from ds_private.version_columns(v.id) c where c.is_key);
  v_order text := (select string_agg(format('%I', k), ', ' order by o) from unnest(array['ts'] || ds_private.table_key(v)) with ordinality u(k, o));
  v_columns text := (select string_agg(format('%I', c.name), ', ' order by c.ord) from ds_private.version_columns(v.id) c);
  v_arrays text := (select string_agg(case when c.is_key then format('%I', c.name) else format('array_agg(%I order by %s)', c.name, v_order) end, ', ' order by c.ord)
                    from ds_private.version_columns(v.id) c);
  v_rows bigint;
begin
  -- one packer or partition creator per version at a time (ensure_partitions takes the same
  -- lock): the table first, as every writer
  execute format('lock table ds_store.%I in share update exclusive mode', v.table_name);
  if pg_catalog.to_regclass(format('ds_partitions.%I', v_name)) is null then
    return null;
  end if;
  -- the partition's writers finish first, new ones wait (readers go on)
  execute format('lock table ds_partitions.%I in share mode', v_name);
  -- batches of up to 1,000 rows per key, in (ts, key) order
  execute format('insert into ds_packed.%I ("@first_ts", "@last_ts", "@rows", %s) '
                 'select min(ts), max(ts), count(*), %s from (select t.*, (row_number() over (%s order by %s) - 1) / 1000 as "@batch" from ds_partitions.%I t) r '
                 'group by %s"@batch"',
    v.table_name, v_columns, v_arrays, coalesce('partition by ' || v_key, ''), v_order, v_name, coalesce(v_key || ', ', ''));
  execute format('select coalesce(sum("@rows"), 0) from ds_packed.%I p where p."@first_ts" >= $1 and p."@first_ts" < $2', v.table_name)
    into v_rows using start_at, upper(ds_private.partition_range(v.partition_interval, start_at));
  return v_rows;
end;
$$;
comment on function ds_private.pack_partition_rows(integer, timestamptz) is 'Copies the rows of the partition of a version that starts at start_at into batches of ds_packed.<table> (one row per key and up to 1000 rows, an array per column), in the caller''s transaction, which then drops the partition (pack_partition, ds.pack); returns the rows packed, null when there is no such partition (already packed, or never written).';

create or replace function ds_private.pack_partition(version_id integer, start_at timestamptz) returns bigint
language plpgsql volatile security definer set search_path = pg_catalog, pg_temp as $$
declare
  v_rows bigint := ds_private.pack_partition_rows(version_id, start_at);
begin
  -- ACCESS EXCLUSIVE on the table from the drop to the commit: the caller commits right after,
  -- and readers then read the packed rows
  if v_rows is not null then
    execute format('drop table ds_partitions.%I', ds_private.partition_name(version_id, start_at));
  end if;
  return v_rows;
end;
$$;
comment on function ds_private.pack_partition(integer, timestamptz) is 'Packs the partition of a version that starts at start_at, in the caller''s transaction: its rows become batches of ds_packed.<table> and the partition is dropped; returns the rows packed, null when there is no such partition. Readers see the same rows before and after (they wait from the drop to the commit).';

create or replace function ds_private.unpack_partition(version_id integer, start_at timestamptz) returns bigint
language plpgsql volatile security definer set search_path = pg_catalog, pg_temp as $$
declare
  v ds_private.dataset_versions := (select r from ds_private.dataset_versions r where r.id = unpack_partition.version_id);
  v_columns text := (select string_agg(format('%I', c.name), ', ' order by c.ord) from ds_private.version_columns(v.id) c);
  v_rows bigint;
begin
  -- the caller (ensure_partitions) holds the table's SHARE UPDATE EXCLUSIVE lock and has
  -- just created the partition: the packed batches of its range go back into it
  execute format('with p as (delete from ds_packed.%I p where p."@first_ts" >= $1 and p."@first_ts" < $2 returning p.*) '
                 'insert into ds_store.%I (%s) select %s from p',
    v.table_name, v.table_name, v_columns, ds_private.unpacked_select_list(v.id, 'p'))
    using start_at, upper(ds_private.partition_range(v.partition_interval, start_at));
  get diagnostics v_rows = row_count;
  return v_rows;
end;
$$;
comment on function ds_private.unpack_partition(integer, timestamptz) is 'Moves the packed batches of the partition of a version that starts at start_at back into its (just created) partition of ds_store.<table>; returns the rows unpacked. Called by ensure_partitions under its lock.';

create or replace function ds_private.packed_partition_starts(version_id integer, within tstzrange default null) returns timestamptz[]
language plpgsql stable security definer set search_path = pg_catalog, pg_temp as $$
declare
  v ds_private.dataset_versions := (select r from ds_private.dataset_versions r where r.id = packed_partition_starts.version_id);
  v_starts timestamptz[];
begin
  execute format('select coalesce(array_agg(distinct ds_private.partition_start($1, p."@first_ts") order by ds_private.partition_start($1, p."@first_ts")), ''{}'') '
                 'from ds_packed.%I p where $2::tstzrange is null or tstzrange(p."@first_ts", p."@last_ts", ''[]'') && $2', v.table_name)
    into v_starts using v.partition_interval, within;
  return v_starts;
end;
$$;
comment on function ds_private.packed_partition_starts(integer, tstzrange) is 'The starts of a version''s packed partitions (those with batches in the range, when given), oldest first.';

create or replace function ds_private.unpack_range(version_id integer, within tstzrange) returns integer
language plpgsql volatile as $$
declare
  v ds_private.dataset_versions := (select r from ds_private.dataset_versions r where r.id = unpack_range.version_id);
  v_starts timestamptz[] := ds_private.packed_partition_starts(version_id, within);
begin
  if cardinality(v_starts) = 0 then
    return 0;
  end if;
  -- ensure_partitions creates the missing partitions and unpacks what was packed there
  return ds_private.ensure_partitions(v.id, (select range_agg(ds_private.partition_range(v.partition_interval, s)) from unnest(v_starts) s));
end;
$$;
comment on function ds_private.unpack_range(integer, tstzrange) is 'Unpacks, in the caller''s transaction, every packed partition of a version with rows in the range (ds.delete and ds.unpack); returns how many.';

create or replace function ds_private.pack_boundary(v ds_private.dataset_versions, as_of timestamptz) returns timestamptz
language sql immutable parallel safe as $$
  -- in UTC wall time, as retention's horizon
  select case when v.pack_after is not null and as_of is not null then ((as_of at time zone 'UTC') - v.pack_after) at time zone 'UTC' end
$$;
comment on function ds_private.pack_boundary(ds_private.dataset_versions, timestamptz) is 'The packing horizon of a version at as_of: as_of less its pack-after (UTC wall time); partitions that end at or before it are packed by the job. Null without pack-after.';
