-- Storage settings of a dataset version ([storage] in config.toml, docs/storage.md): the
-- size of the time partitions of its table and how long its data is kept. The partitions
-- of every typed table live in the schema ds_partitions, out of the way of BI tools that
-- browse ds_data (readers and writers go through the partitioned table in ds_data).
-- Tables made before this migration are converted in place by the idempotent step of
-- sql/registry/version_storage.sql, which also fills partition_interval for them.
create schema if not exists ds_partitions;
comment on schema ds_partitions is 'The time partitions of the typed tables of ds_data (one per dataset version, partitioned by range on ts): created by the writes that need them, dropped by retention and ds.delete. Read the tables in ds_data, not these.';
revoke all on schema ds_partitions from public;

alter table ds_private.dataset_versions
  add column partition_interval interval,
  add column retention interval,
  add constraint dataset_versions_partition_interval_check check (partition_interval > interval '0'),
  add constraint dataset_versions_retention_check check (retention > interval '0');
comment on column ds_private.dataset_versions.partition_interval is 'The size of one time partition of the version''s table ([storage] partition; default from the granularity: a day below 1m, a month below 1h, else a year). Fixed once registered.';
comment on column ds_private.dataset_versions.retention is 'How long the version''s data is kept ([storage] retention); null: forever. Partitions that end before now() - retention are dropped with their coverage by the retention job.';
