-- Schemas, extensions and the core tables of datastream.
create schema if not exists ds;
create schema if not exists ds_private;
create schema if not exists ds_data;

comment on schema ds is 'datastream public API: functions and views. Stable names, documented in the README.';
comment on schema ds_private is 'datastream internals: tables and internal functions. Clients never touch them.';
comment on schema ds_data is 'One typed table per dataset version (ts + one column per schema field) and a view per dataset for its newest version. Browse this schema from BI tools.';

-- dblink gives ds.data(..., build => true) an autonomous transaction to enqueue its build.
create extension if not exists dblink with schema ds_private;

create table ds_private.settings (
  name text primary key,
  value text not null
);
comment on table ds_private.settings is 'Installation settings (for example dblink_connstr, the connection string ds.data uses to reach this database).';

create table ds_private.calendars (
  name text primary key,
  description text,
  definition jsonb not null,
  registered_at timestamptz not null default now(),
  constraint calendars_name_check check (name ~ '^[a-z][a-z0-9-]{0,62}$')
);
comment on table ds_private.calendars is 'Trading calendars loaded from calendars/; the definition is the parsed file.';

create table ds_private.datasets (
  id integer generated always as identity primary key,
  name text not null,
  view_name text not null,
  constraint datasets_name_key unique (name),
  constraint datasets_view_name_key unique (view_name)
);
comment on table ds_private.datasets is 'A named dataset; its versions are in dataset_versions.';

create table ds_private.dataset_versions (
  id integer generated always as identity primary key,
  dataset_id integer not null references ds_private.datasets (id),
  name text not null,
  version text not null,
  major integer not null,
  minor integer not null,
  patch integer not null,
  prerelease text,
  description text,
  builder text not null,
  calendar text not null references ds_private.calendars (name),
  granularity text not null,
  step interval not null,
  start_at timestamptz not null,
  -- ordered array of {"name": ..., "type": ..., "nullable": bool}
  schema jsonb not null,
  key text[] not null default '{}',
  chunk integer not null,
  max_attempts integer not null,
  env_vars boolean not null default false,
  tags jsonb not null default '{}',
  table_name text not null,
  -- which calendar points are built (including built-empty ones), as slot ranges [p, p+step)
  -- merged across closed periods; see docs/coverage.md
  coverage tstzmultirange not null default '{}',
  registered_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint dataset_versions_name_version_key unique (name, version),
  constraint dataset_versions_table_name_key unique (table_name),
  constraint dataset_versions_chunk_check check (chunk > 0),
  constraint dataset_versions_max_attempts_check check (max_attempts > 0)
);
comment on table ds_private.dataset_versions is 'One registered dataset version: its definition from config.toml, its typed table and its coverage.';
create index dataset_versions_dataset_id_idx on ds_private.dataset_versions (dataset_id);

create table ds_private.dependencies (
  dataset_version_id integer not null references ds_private.dataset_versions (id) on delete cascade,
  depends_on_id integer not null references ds_private.dataset_versions (id),
  lookback text,
  -- wall-clock lookback "5d": window [T - (5d - 1d), T + step); null when absent or counted
  lookback_interval interval,
  -- counted lookback 5: the dependency's 5 most recent calendar points up to T
  lookback_points integer,
  constraint dependencies_pkey primary key (dataset_version_id, depends_on_id),
  constraint dependencies_lookback_check check (lookback_interval is null or lookback_points is null)
);
comment on table ds_private.dependencies is 'Edges of the dataset dependency graph, with the lookback each dependent needs.';
create index dependencies_depends_on_id_idx on ds_private.dependencies (depends_on_id);

create table ds_private.builds (
  id bigint generated always as identity primary key,
  dataset_version_id integer not null references ds_private.dataset_versions (id),
  start_at timestamptz not null,
  end_at timestamptz not null,
  created_at timestamptz not null default now(),
  cancelled_at timestamptz
);
comment on table ds_private.builds is 'A requested build; its state is derived from its tasks (see ds.builds).';

create table ds_private.tasks (
  id bigint generated always as identity primary key,
  dataset_version_id integer not null references ds_private.dataset_versions (id) on delete cascade,
  -- the build that created it (other builds may wait for it too: build_tasks)
  build_id bigint references ds_private.builds (id) on delete set null,
  -- the exact calendar slots this chunk builds
  points tstzmultirange not null,
  -- what coverage gains when it succeeds: points plus the closed time between them
  covers tstzmultirange not null,
  point_count integer not null,
  state text not null default 'waiting',
  pending integer not null default 0,
  attempts integer not null default 0,
  rows_written bigint,
  error text,
  worker_id uuid,
  job_worker text,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  constraint tasks_state_check check (state in ('waiting', 'queued', 'running', 'succeeded', 'failed', 'cancelled'))
);
comment on table ds_private.tasks is 'A chunk of calendar points of one dataset version to build; waiting until its dependencies succeed.';
create index tasks_build_id_idx on ds_private.tasks (build_id);
create index tasks_active_idx on ds_private.tasks (dataset_version_id) where state in ('waiting', 'queued', 'running');

create table ds_private.task_edges (
  task_id bigint not null references ds_private.tasks (id) on delete cascade,
  depends_on bigint not null references ds_private.tasks (id) on delete cascade,
  constraint task_edges_pkey primary key (task_id, depends_on)
);
comment on table ds_private.task_edges is 'Task dependency graph: task_id runs only after depends_on has succeeded.';
create index task_edges_depends_on_idx on ds_private.task_edges (depends_on);

create table ds_private.build_tasks (
  build_id bigint not null references ds_private.builds (id) on delete cascade,
  task_id bigint not null references ds_private.tasks (id) on delete cascade,
  constraint build_tasks_pkey primary key (build_id, task_id)
);
comment on table ds_private.build_tasks is 'Which tasks a build waits for: the ones it created and in-flight ones of other builds it reuses.';
create index build_tasks_task_id_idx on ds_private.build_tasks (task_id);

create table ds_private.workers (
  id uuid primary key,
  lock_key integer not null,
  hostname text,
  pid integer,
  started_at timestamptz not null default now(),
  constraint workers_lock_key_key unique (lock_key)
);
comment on table ds_private.workers is 'Live ds worker processes; each holds a session advisory lock on lock_key, so a dead one is detected at once.';

create table ds_private.build_datasets (
  build_id bigint not null references ds_private.builds (id) on delete cascade,
  dataset_version_id integer not null references ds_private.dataset_versions (id) on delete cascade,
  depth integer not null,
  -- the slots this build needs of the dataset (the request, or dependents' lookback windows)
  needs tstzmultirange not null default '{}',
  -- the part of needs that was neither built nor in flight: what this build created tasks for
  work tstzmultirange not null default '{}',
  constraint build_datasets_pkey primary key (build_id, dataset_version_id)
);
comment on table ds_private.build_datasets is 'The plan of a build: per dataset of its dependency closure, what it needed and what it had to create work for.';
