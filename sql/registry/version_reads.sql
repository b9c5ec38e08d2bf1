-- The typed range read of each dataset version: ds_data.<table>_rows(start_at, end_at), a
-- SQL function over the version's store and packed partitions (version_layout.sql) that
-- PostgreSQL inlines into the calling query, so that its rows stream like a plain SELECT's
-- (an index range scan on the primary key, no tuplestore, no jsonb; packed batches are
-- chosen by their bounds before they are unpacked). ds.data, REST, GraphQL and `ds data` read through it. It returns
-- the table's row type (without key, row_number included, as the table and its view show
-- it). It has no row limit of its own: it reads no more than SELECT on the table, which
-- ds_reader may run anyway; the limits apply where a request reads (ds.max_rows in
-- ds.data, first/last and cost in GraphQL).
--
-- Created with the table at registration (create_version_table) and, for tables made
-- before it existed or when this definition changes, by the idempotent step at the end of
-- this file (run each time the migrator re-applies sql/).

create or replace function ds_private.create_version_read(version_id integer) returns void
language plpgsql volatile as $fn$
declare
  v ds_private.dataset_versions := (select r from ds_private.dataset_versions r where r.id = version_id);
  v_read text := ds_private.version_read_name(v.table_name);
  v_order text := (select string_agg(format(', t.%I', k), '' order by o) from unnest(ds_private.table_key(v)) with ordinality u(k, o));
  v_list text := (select string_agg(format('s.%I', c.name), ', ' order by c.ord) from ds_private.version_columns(version_id) c);
begin
  -- $1/$2, not the parameter names: a schema field may be called start_at. The store's rows
  -- and the packed batches that reach the range ("@last_ts" >= start, "@first_ts" <= end:
  -- by index, before anything is unpacked), unpacked; the range applies to both from
  -- outside. Trap: the store's branch must have no WHERE of its own, or PostgreSQL cannot
  -- pull it up into the append (is_safe_append_member) and loses its index order: a sort of
  -- the whole range instead of a stream (docs/storage.md)
  execute format($f$create or replace function ds_data.%I(start_at timestamptz, end_at timestamptz)
    returns setof ds_data.%I language sql stable parallel safe as
    $body$select t.* from (select %s from ds_store.%I s
      union all select %s from ds_packed.%I p where p."@last_ts" >= $1 and p."@first_ts" <= $2) t
    where t.ts >= $1 and t.ts <= $2 order by t.ts%s$body$$f$,
    v_read, v.table_name, v_list, v.table_name, ds_private.unpacked_select_list(version_id, 'p'), v.table_name, v_order);
  execute format('comment on function ds_data.%I(timestamptz, timestamptz) is %L', v_read,
    format('The rows of %s %s in [start_at, end_at] (inclusive), ordered by ts then %s: the typed range read of ds_data.%s, inlined by PostgreSQL into the calling query so that rows stream. No row limit of its own (ds.data applies ds.max_rows).',
      v.name, v.version, case when cardinality(v.key) = 0 then 'row_number (the order they were built or written in)' else array_to_string(v.key, ', ') end,
      v.table_name));
  -- executable like the table is readable: by ds_reader (and so ds_builder), not by everyone
  execute format('revoke execute on function ds_data.%I(timestamptz, timestamptz) from public', v_read);
  execute format('grant execute on function ds_data.%I(timestamptz, timestamptz) to ds_reader', v_read);
end;
$fn$;
comment on function ds_private.create_version_read(integer) is 'Creates (or replaces) the typed range read ds_data.<table>_rows(start_at, end_at) of a dataset version: setof its table''s rows in [start_at, end_at], ordered by ts and key; language sql stable, so PostgreSQL inlines it.';

-- the idempotent step: every version with a table gets the current definition
do $$
begin
  perform ds_private.create_version_read(v.id) from ds_private.dataset_versions v
  where to_regclass(format('ds_store.%I', v.table_name)) is not null
  order by v.id;
end
$$;
