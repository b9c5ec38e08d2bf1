-- Statistics after builds (sql/worker/analyze_after_build.sql) sum what a version's tasks
-- wrote into a partition since its last analyze, after every chunk: an index on the
-- succeeded tasks by version and end keeps that a range scan however long the history.
create index if not exists tasks_succeeded_idx on ds_private.tasks (dataset_version_id, finished_at) where state = 'succeeded';
comment on index ds_private.tasks_succeeded_idx is 'Succeeded tasks of a version by finished_at: what they wrote since a partition''s last analyze (ds_private.partitions_to_analyze).';
