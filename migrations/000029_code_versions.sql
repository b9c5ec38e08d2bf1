-- Code versions (Dagster's idea): each registered version records the hash of its builder
-- code; the built points computed by older code are remembered as stale until rebuilt, and
-- each task records the code it ran with.
alter table ds_private.dataset_versions
  add column code_hash text,
  add column code_stale_points tstzmultirange not null default '{}';
comment on column ds_private.dataset_versions.code_hash is 'SHA-256 (hex) of the builder code: the builder file and every local module it imports (ds sync, datasets/code-hash.ts), or of the transform definition; null for datasets written from outside and versions registered before code versions.';
comment on column ds_private.dataset_versions.code_stale_points is 'Built points computed by an older code_hash (the coverage when the hash changed, less every chunk rebuilt since by the current code); read it as code_stale_points * coverage.';
alter table ds_private.tasks add column code_hash text;
comment on column ds_private.tasks.code_hash is 'The code_hash of its dataset version when the task last started: its points are up to date only if that is still the registered hash when it completes.';
