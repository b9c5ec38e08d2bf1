-- The catalog of registered dataset versions.

create or replace view ds.datasets as
select v.name, v.version, v.description, v.calendar, v.granularity, v.start_at, v.schema, v.key, v.tags,
       format('ds_data.%I', v.table_name) as table_name,
       format('ds_data.%I', d.view_name) as view_name,
       coalesce((select jsonb_agg(jsonb_build_object('name', t.name, 'version', t.version,
                                                     'lookback', coalesce(to_jsonb(e.lookback_points), to_jsonb(e.lookback)),
                                                     'window', e.window_kind)
                                  order by t.name)
                 from ds_private.dependencies e join ds_private.dataset_versions t on t.id = e.depends_on_id
                 where e.dataset_version_id = v.id), '[]') as dependencies,
       v.builder, v.chunk, v.max_attempts, v.env_vars,
       v.id = ds_private.newest_version_id(v.dataset_id) as is_newest,
       v.registered_at, v.updated_at,
       v.coverage, lower(v.coverage) as first_built, upper(v.coverage) - v.step as last_built,
       (select count(*) from unnest(v.coverage))::integer as built_ranges,
       v.write_conflict as conflict, v.refresh_on_write, v.refresh_schedule, v.per_key,
       coalesce(v.timeout, interval '5 minutes') as timeout,
       v.code_hash, not isempty(v.code_stale_points * v.coverage) as code_stale,
       lower(v.code_stale_points * v.coverage) as code_stale_first,
       upper(v.code_stale_points * v.coverage) - v.step as code_stale_last,
       v.partition_interval as partition, v.retention, v.pack_after
from ds_private.dataset_versions v
join ds_private.datasets d on d.id = v.dataset_id;

comment on view ds.datasets is 'The catalog: one row per registered dataset version, from builders/<name>/<version>/config.toml.';
comment on column ds.datasets.name is 'Dataset name (the folder builders/<name>).';
comment on column ds.datasets.version is 'Semantic version (the folder builders/<name>/<version>).';
comment on column ds.datasets.description is 'What the dataset holds, from config.toml.';
comment on column ds.datasets.calendar is 'Trading calendar whose points the dataset has (see calendars/).';
comment on column ds.datasets.granularity is 'Spacing of the points, for example 1m or 1d.';
comment on column ds.datasets.start_at is 'First timestamp the dataset can have (start-date).';
comment on column ds.datasets.schema is 'Fields besides ts, in order: [{"name", "type", "nullable"}].';
comment on column ds.datasets.key is 'Columns that tell several rows of one timestamp apart; the primary key is (ts, key...).';
comment on column ds.datasets.timeout is 'Deadline of the builder over one chunk (config.toml timeout, default 5 minutes): past it the chunk fails with DS031.';
comment on column ds.datasets.tags is 'Free-form tags from config.toml.';
comment on column ds.datasets.table_name is 'The typed table of this version, schema-qualified.';
comment on column ds.datasets.view_name is 'The view on the newest version of the dataset, schema-qualified.';
comment on column ds.datasets.dependencies is 'Datasets this version reads: [{"name", "version", "lookback", "window"}]; lookback is null, a window like "5d" or a number of points; window is "point" (up to and including each point) or "bucket" (the bucket each point labels).';
comment on column ds.datasets.builder is 'Builder file in the version folder, for example builder.ts; transform:<kind> for a built-in transform; external for a dataset written from outside (ds.write, ds import).';
comment on column ds.datasets.chunk is 'Calendar points per job.';
comment on column ds.datasets.max_attempts is 'Tries before a builder failure is final.';
comment on column ds.datasets.env_vars is 'Whether the builder gets the variables of <version folder>/.env in its context.';
comment on column ds.datasets.is_newest is 'True for the newest version of the dataset in semver order, the one its view shows.';
comment on column ds.datasets.coverage is '@behavior -*
What is built (built-empty points included), as slot ranges merged over closed time; ds.missing gives the gaps.';
comment on column ds.datasets.first_built is 'First built point (null when nothing is built).';
comment on column ds.datasets.last_built is 'Last built point.';
comment on column ds.datasets.built_ranges is 'Number of disjoint built ranges; 1 means no gaps between first_built and last_built.';
comment on column ds.datasets.registered_at is 'When this version was first registered.';
comment on column ds.datasets.updated_at is 'When its description, builder, chunk, max_attempts, env_vars or tags last changed.';
comment on column ds.datasets.conflict is 'For a dataset written from outside: what a write does with a row whose (ts, key) is stored (last-write-wins, merge-high-low, reject); null for built datasets.';
comment on column ds.datasets.refresh_on_write is 'Whether a write, import or delete of a dependency rebuilds the points it invalidated at once ([refresh] on-write).';
comment on column ds.datasets.refresh_schedule is 'The cron expression on which workers rebuild what is missing or stale ([refresh] schedule); null when not scheduled.';
comment on column ds.datasets.per_key is 'Whether a change at one key of a dependency invalidates only that key here (transforms, and builders with [refresh] per-key = true).';
comment on column ds.datasets.code_hash is 'SHA-256 of the builder code registered by ds sync (the builder file and the local modules it imports), or of the [transform] table; null for a dataset written from outside.';
comment on column ds.datasets.code_stale is 'True when some built points were computed by older builder code than code_hash; ds.build(..., rebuild => true) or ds rebuild recomputes them.';
comment on column ds.datasets.code_stale_first is 'First built point computed by older code (null when none).';
comment on column ds.datasets.code_stale_last is 'Last built point computed by older code (null when none).';
comment on column ds.datasets.partition is 'Size of the time partitions of its typed table ([storage] partition; the default follows the granularity).';
comment on column ds.datasets.retention is 'How long its data is kept ([storage] retention): older partitions are dropped with their coverage; null keeps everything.';
comment on column ds.datasets.pack_after is 'How old a partition must be to be packed by the packing job ([storage] pack-after): one row per key and batch of up to 1000 rows, an array per column, compressed; reads are unchanged. Null: packed only by ds.pack.';
