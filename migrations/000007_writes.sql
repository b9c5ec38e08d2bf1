-- Datasets written from outside (builder 'external', ds.write / ds import) with a conflict
-- policy; refresh policies of derived datasets; per-key invalidation: stale (points, keys)
-- of datasets whose rows are still readable but outdated for some keys, and tasks that
-- rebuild only those keys. See docs/writes.md.
alter table ds_private.dataset_versions
  add column write_conflict text,
  add column refresh_on_write boolean not null default false,
  add column refresh_schedule text,
  add column per_key boolean not null default false,
  add constraint dataset_versions_write_conflict_check
    check (write_conflict in ('last-write-wins', 'merge-high-low', 'reject')),
  add constraint dataset_versions_external_check check ((builder = 'external') = (write_conflict is not null));

-- transforms work per key (what registration now stores for them)
update ds_private.dataset_versions set per_key = true where transform is not null;

comment on column ds_private.dataset_versions.write_conflict is
  'For a dataset written from outside (builder = ''external''): what ds.write and ds.import_staged do with a row whose (ts, key) is stored already: last-write-wins, merge-high-low or reject. Null for built datasets.';
comment on column ds_private.dataset_versions.refresh_on_write is
  '[refresh] on-write: a write, import or delete that invalidates points of this dataset enqueues their rebuild in the same transaction.';
comment on column ds_private.dataset_versions.refresh_schedule is
  '[refresh] schedule: a cron expression; workers run ds.refresh on it (graphile-worker crontab, task ds_refresh). Null when not scheduled.';
comment on column ds_private.dataset_versions.per_key is
  'The builder computes the rows of each key from the rows of that key of its dependencies only (transforms; [refresh] per-key = true for builders): a change at key K of a dependency invalidates only key K here.';

-- keys: null for a task that builds every key; else a JSON array of key objects
-- ({"ticker": "AAPL"}): the task rebuilds only those keys' rows and adds no coverage.
-- invalidated: points a write or delete invalidated while the task was in flight; they are
-- not added to coverage when it completes.
alter table ds_private.tasks
  add column keys jsonb,
  add column invalidated tstzmultirange not null default '{}',
  add constraint tasks_keys_check check (keys is null or (jsonb_typeof(keys) = 'array' and jsonb_array_length(keys) > 0));
comment on column ds_private.tasks.keys is 'Null: the task builds every key of its points. Else the key objects ({"ticker": "AAPL"}) it rebuilds (stale points); such a task adds no coverage.';
comment on column ds_private.tasks.invalidated is 'Points invalidated by a write or delete while the task was in flight: not added to coverage when it completes.';

create table ds_private.stale (
  id bigint generated always as identity primary key,
  dataset_version_id integer not null references ds_private.dataset_versions (id) on delete cascade,
  points tstzmultirange not null,
  keys jsonb not null,
  created_at timestamptz not null default now(),
  constraint stale_points_check check (not isempty(points)),
  constraint stale_keys_check check (jsonb_typeof(keys) = 'array' and jsonb_array_length(keys) > 0)
);
comment on table ds_private.stale is 'Built points whose rows of some keys are outdated (a dependency changed at those keys): the planner turns them into tasks that rebuild only those keys. Points are slot ranges of the dataset; keys a JSON array of key objects.';
create index stale_dataset_version_id_idx on ds_private.stale (dataset_version_id);

-- (key, slots): a change of a dataset at one key (null: every key) over slot ranges
create type ds_private.key_slots as (key jsonb, slots tstzmultirange);
comment on type ds_private.key_slots is 'What changed in a dataset: the slots [p, p + step) of one key (a key object; null for every key).';

-- signatures that changed
drop function if exists ds.delete(text, text, timestamptz, timestamptz);
drop function if exists ds_private.create_tasks(bigint, integer, tstzmultirange);
drop function if exists ds_private.invalidate_dependents(integer, tstzrange);
