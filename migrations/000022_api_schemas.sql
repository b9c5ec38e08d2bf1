-- The public API by audience: ds holds what users call (psql, BI tools, GraphQL); the
-- worker protocol moves to ds_worker and the HTTP server's helpers to ds_server (their
-- functions live in sql/worker/ and sql/rest/; the migrator drops the old ds.* copies).
create schema if not exists ds_worker;
create schema if not exists ds_server;
comment on schema ds_worker is 'The protocol between the database and ds worker processes (starting, completing and failing tasks, heartbeats, recovery): not for users.';
comment on schema ds_server is 'Helpers of the HTTP server and the CLI (health, metrics, the REST catalog and point counts, API key checks): not for users.';
revoke all on schema ds_worker, ds_server from public;
