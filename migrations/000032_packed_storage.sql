-- Packed cold data (docs/storage.md, "Packed partitions"). Each typed table splits in three:
-- ds_store.<table>, the partitioned table every writer writes (its partitions stay in
-- ds_partitions); ds_packed.<table>, the packed partitions (one row per key and batch of up
-- to 1,000 points, one array per column, compressed by TOAST); and the view
-- ds_data.<table>, their union, which every reader reads. Existing tables move to ds_store
-- in the idempotent step of sql/registry/version_storage.sql.
create schema if not exists ds_store;
comment on schema ds_store is 'The partitioned tables that hold the unpacked rows of each dataset version (written by builds and writes). Read the views of the same names in ds_data: they add the packed rows.';
revoke all on schema ds_store from public;
create schema if not exists ds_packed;
comment on schema ds_packed is 'The packed partitions of each dataset version: one row per key and batch of up to 1,000 points, an array per column. Read the views of the same names in ds_data: they unpack them.';
revoke all on schema ds_packed from public;

alter table ds_private.dataset_versions
  add column pack_after interval,
  add constraint dataset_versions_pack_after_check check (pack_after > interval '0');
comment on column ds_private.dataset_versions.pack_after is 'How old a partition must be to be packed by the packing job ([storage] pack-after): a partition whose end is before now() - pack_after is packed. Null: never packed by the job (ds.pack still packs on request).';

-- resolve_storage gains the out parameter pack_after (sql/registry/storage_settings.sql)
drop function if exists ds_private.resolve_storage(jsonb, interval);
