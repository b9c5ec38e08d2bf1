-- SQL builders and transforms: a dataset version may be built by one set-based SELECT run
-- inside PostgreSQL (builder = "builder.sql", or a [transform] that generates it) instead
-- of a TypeScript builder. See docs/sql-builders.md.
alter table ds_private.dataset_versions
  add column builder_sql text,
  add column transform jsonb;

comment on column ds_private.dataset_versions.builder_sql is
  'The SELECT of a SQL builder (the text of builder.sql, or generated from transform): run by ds.run_sql_task with $1 = chunk start, $2 = chunk end (exclusive), $3 = lookback start. Null for TypeScript builders.';
comment on column ds_private.dataset_versions.transform is
  'The [transform] table of config.toml ({"kind": ..., params...}) whose generated SQL is builder_sql; builder is then ''transform:<kind>''. Null otherwise.';
