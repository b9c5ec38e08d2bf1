-- Contained builders: a per-dataset deadline for a chunk's builder, and the DS code of a
-- chunk's failure kept apart from its message (DS030 worker died, DS031 timed out, DS032
-- builder crashed, DS017 validation, ...).
alter table ds_private.dataset_versions add column timeout interval;
alter table ds_private.dataset_versions add constraint dataset_versions_timeout_check check (timeout > interval '0');
comment on column ds_private.dataset_versions.timeout is 'Deadline of the builder over one chunk (config.toml timeout); null: the default, 5 minutes.';

alter table ds_private.tasks add column error_code text;
comment on column ds_private.tasks.error_code is 'SQLSTATE-style DS code of the error (DS017, DS030, DS031, ...), null when the error has none.';

-- signature changes: the failure code, and a heartbeat that answers which chunks to stop
drop function if exists ds.fail_task(bigint, text, boolean);
drop function if exists ds.heartbeat_worker(uuid);
