-- Workers beat every 2 seconds, so health checks can tell an idle worker from a stuck one.
alter table ds_private.workers add column heartbeat_at timestamptz not null default now();
comment on column ds_private.workers.heartbeat_at is 'Last heartbeat of the worker (every 2 s while it runs).';
