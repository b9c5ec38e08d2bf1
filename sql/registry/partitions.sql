-- Time partitions of the typed tables (docs/storage.md). The store ds_store.<table> of each
-- version (what ds_data.<table> shows, with its packed partitions) is partitioned by range on ts; its partitions are ds_partitions.v<version id>_p<YYYYMMDD>[T<HH24MISS>]
-- (the start of the range in UTC), each [start, start + partition_interval). Partitions
-- align to whole calendar months (UTC) for intervals of months and years, else to
-- multiples of the interval from Monday 2000-01-03 00:00 UTC (so weeks start on Mondays,
-- days at midnight UTC). They are created by the transaction that writes into them
-- (ensure_partitions: worker chunks, SQL builders, ds.write, ds import), never by hand.

create or replace function ds_private.default_partition_interval(step interval) returns interval
language sql immutable strict parallel safe as $$
  select case when step < interval '1 minute' then interval '1 day'
              when step < interval '1 hour' then interval '1 month'
              else interval '1 year' end
$$;
comment on function ds_private.default_partition_interval(interval) is 'The partition size of a version without [storage] partition, from its granularity: a day below 1m (seconds, ticks), a month below 1h (minute bars), a year from 1h up (hourly, daily).';

create or replace function ds_private.partition_start(size interval, ts timestamptz) returns timestamptz
language sql immutable strict parallel safe as $$
  select case
    when extract(month from size) = 0 and extract(year from size) = 0 then date_bin(size, ts, timestamptz '2000-01-03 00:00:00+00')
    else (timestamp '2000-01-01' + make_interval(months =>
            (floor(((extract(year from ts at time zone 'UTC') - 2000) * 12 + extract(month from ts at time zone 'UTC') - 1)
                   / (extract(year from size) * 12 + extract(month from size))) * (extract(year from size) * 12 + extract(month from size)))::integer))
         at time zone 'UTC'
  end
$$;
comment on function ds_private.partition_start(interval, timestamptz) is 'The start of the partition of size size that holds ts: whole calendar months (UTC) from 2000-01 for sizes in months or years, else date_bin from Monday 2000-01-03 00:00 UTC.';

create or replace function ds_private.partition_range(size interval, ts timestamptz) returns tstzrange
language sql immutable strict parallel safe as $$
  -- the end in UTC wall time: a month added in another time zone may cross a DST change
  select tstzrange(s, ((s at time zone 'UTC') + size) at time zone 'UTC')
  from (select ds_private.partition_start(size, ts) as s) p
$$;
comment on function ds_private.partition_range(interval, timestamptz) is 'The range [start, end) of the partition of size size that holds ts.';

create or replace function ds_private.partition_name(version_id integer, start_at timestamptz) returns text
language sql immutable strict parallel safe as $$
  select format('v%s_p%s', version_id, to_char(start_at at time zone 'UTC',
    case when (start_at at time zone 'UTC')::time = '00:00' then 'YYYYMMDD' else 'YYYYMMDD"T"HH24MISS' end))
$$;
comment on function ds_private.partition_name(integer, timestamptz) is 'The name in ds_partitions of the partition of a version starting at start_at: v<version id>_p<YYYYMMDD>, with T<HH24MISS> when it starts inside a day (UTC).';

create or replace function ds_private.version_partitions(version_id integer)
returns table (partition_name text, bounds tstzrange)
language sql stable as $$
  -- the bounds as PostgreSQL prints them (FOR VALUES FROM ('...') TO ('...')), read back in
  -- the same session
  select c.relname::text, tstzrange(b[1]::timestamptz, b[2]::timestamptz)
  from ds_private.dataset_versions v
  join pg_catalog.pg_inherits i on i.inhparent = pg_catalog.to_regclass(format('ds_store.%I', v.table_name))
  join pg_catalog.pg_class c on c.oid = i.inhrelid,
  lateral regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']*)''\) TO \(''([^'']*)''\)') b
  where v.id = version_partitions.version_id
  order by 2
$$;
comment on function ds_private.version_partitions(integer) is 'The partitions of a version''s store (their names in ds_partitions) and their ranges [start, end), oldest first; packed partitions are not among them (packing.sql).';

create or replace function ds_private.partition_starts(size interval, ranges tstzmultirange) returns timestamptz[]
language plpgsql immutable parallel safe as $$
declare
  v_starts timestamptz[];
begin
  -- every partition the ranges reach (bounded by the callers: a chunk, the rows of a write);
  -- at most 10,001 are listed, so that the caller can refuse more than 10,000
  select array_agg(p order by p) into v_starts from (
    select distinct (g at time zone 'UTC') as p
    from unnest(ranges) r,
    generate_series(ds_private.partition_start(size, lower(r)) at time zone 'UTC',
                    ds_private.partition_start(size, case when upper_inc(r) then upper(r) else upper(r) - interval '1 microsecond' end) at time zone 'UTC',
                    size) g
    where not isempty(r)
    limit 10001) s;
  return coalesce(v_starts, '{}');
end;
$$;
comment on function ds_private.partition_starts(interval, tstzmultirange) is 'The starts of the partitions of size size that the ranges reach (each range from the partition of its lower bound to the one of its last instant), ascending; 10,001 at most.';

create or replace function ds_private.ensure_partitions(version_id integer, ranges tstzmultirange) returns integer
language plpgsql volatile security definer set search_path = pg_catalog, pg_temp as $$
declare
  v ds_private.dataset_versions := (select r from ds_private.dataset_versions r where r.id = ensure_partitions.version_id);
  v_starts timestamptz[];
  v_missing timestamptz[];
  v_start timestamptz;
  v_bounds tstzrange;
  v_name text;
begin
  if v.partition_interval is null or ranges is null or isempty(ranges) then
    return 0;
  end if;
  if lower_inf(ranges) or upper_inf(ranges) or not isfinite(lower(ranges)) or not isfinite(upper(ranges)) then
    raise exception '% %: cannot create partitions for the unbounded range %', v.name, v.version, ranges
      using errcode = 'DS064', detail = 'Partitions are created for the rows a write or a chunk stores, which have finite timestamps.',
            hint = 'Write rows with finite timestamps.';
  end if;
  v_starts := ds_private.partition_starts(v.partition_interval, ranges);
  if cardinality(v_starts) > 10000 then
    raise exception '% %: the rows would need more than 10000 partitions of %', v.name, v.version, v.partition_interval
      using errcode = 'DS064', detail = format('the range %s .. %s', lower(ranges), upper(ranges)),
            hint = 'Write or build a shorter range at a time, or register a new version with a larger [storage] partition.';
  end if;
  -- the common case, every partition there: no lock
  v_missing := array(select s from unnest(v_starts) s where pg_catalog.to_regclass(format('ds_partitions.%I', ds_private.partition_name(v.id, s))) is null);
  if cardinality(v_missing) = 0 then
    return 0;
  end if;
  -- one creator per version at a time, until its transaction ends: SHARE UPDATE EXCLUSIVE on
  -- the table (which ATTACH takes anyway) conflicts with itself, not with reads nor with
  -- writes of rows. Taking it reads the catalog's changes, so the others then see its
  -- partitions and create only the rest (an advisory lock would not: a stale cache and
  -- "relation already exists"). Taken before the dataset lock by every writer (chunks,
  -- writes), as ds.delete and retention take theirs, so the two never cross.
  execute format('lock table ds_store.%I in share update exclusive mode', v.table_name);
  v_missing := array(select s from unnest(v_missing) s where pg_catalog.to_regclass(format('ds_partitions.%I', ds_private.partition_name(v.id, s))) is null);
  foreach v_start in array v_missing loop
    v_bounds := ds_private.partition_range(v.partition_interval, v_start);
    v_name := ds_private.partition_name(v.id, v_start);
    -- a table of its own, then ATTACH: that takes SHARE UPDATE EXCLUSIVE on the parent (reads
    -- and other writers go on), where CREATE TABLE ... PARTITION OF takes ACCESS EXCLUSIVE
    -- until this transaction commits
    execute format('create table ds_partitions.%I (like ds_store.%I including defaults)', v_name, v.table_name);
    execute format('alter table ds_store.%I attach partition ds_partitions.%I for values from (%L) to (%L)',
      v.table_name, v_name, lower(v_bounds), upper(v_bounds));
    execute format('comment on table ds_partitions.%I is %L', v_name,
      format('Partition of ds_store.%s (%s %s): ts in [%s, %s).', v.table_name, v.name, v.version,
             to_char(lower(v_bounds) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), to_char(upper(v_bounds) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')));
    -- a packed partition (packing.sql) comes back before anything is written into it
    perform ds_private.unpack_partition(v.id, v_start);
  end loop;
  return cardinality(v_missing);
end;
$$;
comment on function ds_private.ensure_partitions(integer, tstzmultirange) is 'Creates, in the caller''s transaction, the partitions of a version''s store that the ranges reach and that do not exist yet, unpacking those that were packed; returns how many it created. Without lock when all exist; else one creator per version at a time (SHARE UPDATE EXCLUSIVE on its table until the transaction ends: reads and row writes go on), so concurrent writers never collide. DS064 for an unbounded range or more than 10,000 partitions.';

create or replace function ds_private.ensure_row_partitions(version_id integer, source_sql text, rows jsonb) returns integer
language plpgsql volatile as $$
declare
  v ds_private.dataset_versions := (select r from ds_private.dataset_versions r where r.id = ensure_row_partitions.version_id);
  v_ranges tstzmultirange;
begin
  -- the partitions of the rows' timestamps (only those: sparse rows create no partitions
  -- between them); rows the write statement rejects (ts null, infinite, before the start
  -- date) are left to it
  execute format('select range_agg(ds_private.partition_range($2, p)) from (select distinct ds_private.partition_start($2, s.ts) as p'
                 ' from (%s) s where s.ts >= $3 and isfinite(s.ts)) d', source_sql)
    into v_ranges using rows, v.partition_interval, v.start_at;
  return ds_private.ensure_partitions(v.id, v_ranges);
end;
$$;
comment on function ds_private.ensure_row_partitions(integer, text, jsonb) is 'Creates the partitions that the rows of a write need (source_sql over $1 rows, as in ds_private.apply_write), before the write statement runs.';

create or replace function ds_private.whole_partitions(version_id integer, within tstzrange) returns text[]
language plpgsql stable security definer set search_path = pg_catalog, pg_temp as $$
declare
  v_part record;
  v_inside boolean;
  v_names text[] := '{}';
begin
  -- inside the range, or at its edges with every row inside it (a delete of 2024-01-08 ..
  -- 2024-01-14 empties the week partition [2024-01-08, 2024-01-15) of a daily dataset): the
  -- edge ones cost a min/max on the primary key each
  for v_part in select p.* from ds_private.version_partitions(version_id) p where within && p.bounds order by p.bounds loop
    v_inside := within @> v_part.bounds;
    if not v_inside then
      execute format('select coalesce(min(t.ts) >= $1 and max(t.ts) <= $2, false) from ds_partitions.%I t', v_part.partition_name)
        into v_inside using lower(within), upper(within);
    end if;
    if v_inside then
      v_names := v_names || v_part.partition_name;
    end if;
  end loop;
  return v_names;
end;
$$;
comment on function ds_private.whole_partitions(integer, tstzrange) is 'The partitions of a version''s table that a delete of the range (inclusive bounds) would empty: those inside it, and those at its edges whose rows all lie in it (their names in ds_partitions), oldest first.';

create or replace function ds_private.drop_partitions(version_id integer, names text[], count_rows boolean,
  out dropped integer, out rows bigint, out first_ts timestamptz, out last_ts timestamptz)
language plpgsql volatile security definer set search_path = pg_catalog, pg_temp as $$
declare
  v_name text;
  v_count bigint;
  v_first timestamptz;
  v_last timestamptz;
begin
  -- the caller took ACCESS EXCLUSIVE on the parent table before the dataset lock (the order
  -- of every writer: the table, then the dataset), and changes coverage in this transaction
  dropped := 0;
  rows := case when count_rows then 0 end;
  foreach v_name in array coalesce(names, '{}') loop
    if count_rows then
      execute format('select count(*), min(t.ts), max(t.ts) from ds_partitions.%I t', v_name) into v_count, v_first, v_last;
      rows := rows + v_count;
      first_ts := least(first_ts, v_first);
      last_ts := greatest(last_ts, v_last);
    end if;
    execute format('drop table ds_partitions.%I', v_name);
    dropped := dropped + 1;
  end loop;
end;
$$;
comment on function ds_private.drop_partitions(integer, text[], boolean) is 'Drops partitions of a version''s table (names in ds_partitions, from version_partitions); with count_rows, returns their row count and first and last ts (a scan of each; retention does without). The caller holds the table''s ACCESS EXCLUSIVE lock, then the dataset lock, and changes coverage.';
