-- Retention ([storage] retention, docs/storage.md): a version keeps the partitions that reach
-- past its horizon (now - retention); everything before the start of the partition holding
-- the horizon, its boundary, is dropped with its coverage by the retention job
-- (sql/worker/apply_retention.sql), and scheduled refreshes never build behind it.

create or replace function ds_private.retention_boundary(v ds_private.dataset_versions, as_of timestamptz) returns timestamptz
language sql immutable parallel safe as $$
  -- the horizon in UTC wall time: 30 days before a DST change is 30 * 24 hours
  select case when v.retention is not null and v.partition_interval is not null and as_of is not null then
    ds_private.partition_start(v.partition_interval, ((as_of at time zone 'UTC') - v.retention) at time zone 'UTC') end
$$;
comment on function ds_private.retention_boundary(ds_private.dataset_versions, timestamptz) is 'The retention boundary of a version at as_of: the start of the partition that holds as_of - retention; null without retention. Data and coverage before it are dropped by retention.';
