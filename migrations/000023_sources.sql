-- Sources (README "Sources", docs/sources.md): a dataset version fetched from an exchange
-- (ccxt) or an HTTP vendor instead of computed by a builder. The [source] table, resolved
-- by ds_private.resolve_source, is stored as is; its builder shows as source:<kind>.
alter table ds_private.dataset_versions add column if not exists source jsonb;
comment on column ds_private.dataset_versions.source is 'The resolved [source] table of a source dataset ({kind, ...}); null for every other kind.';
