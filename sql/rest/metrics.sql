-- The figures of GET /metrics (Prometheus), read from the database on each scrape so that
-- they hold for every worker and server process: builds, chunks, rows, queue, workers.

create or replace function ds_server.metrics() returns table (metric text, labels jsonb, value double precision)
language plpgsql stable as $$
declare
  v_buckets constant double precision[] := array[0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
  v_health record;
begin
  return query
  with b as materialized (
    select s.state, extract(epoch from s.finished_at - s.started_at)::double precision as seconds
    from ds.builds s),
  finished as (select b.seconds from b where b.state in ('succeeded', 'failed') and b.seconds is not null),
  t as materialized (select k.state, count(*) as n, coalesce(sum(k.rows_written), 0) as rows_written
                     from ds_private.tasks k group by k.state)
  select 'datastream_builds', jsonb_build_object('state', s.state), (select count(*) from b where b.state = s.state)::double precision
  from unnest(array['queued', 'running', 'succeeded', 'failed', 'cancelled']) s(state)
  union all
  select 'datastream_build_failures_total', '{}', (select count(*) from b where b.state = 'failed')::double precision
  union all
  select 'datastream_build_duration_seconds_bucket', jsonb_build_object('le', u.le::text),
         (select count(*) from finished f where f.seconds <= u.le)::double precision
  from unnest(v_buckets) u(le)
  union all
  select 'datastream_build_duration_seconds_bucket', jsonb_build_object('le', '+Inf'), (select count(*) from finished)::double precision
  union all
  select 'datastream_build_duration_seconds_sum', '{}', (select coalesce(sum(f.seconds), 0) from finished f)
  union all
  select 'datastream_build_duration_seconds_count', '{}', (select count(*) from finished)::double precision
  union all
  select 'datastream_chunks', jsonb_build_object('state', s.state), coalesce((select t.n from t where t.state = s.state), 0)::double precision
  from unnest(array['waiting', 'queued', 'running', 'succeeded', 'failed', 'cancelled']) s(state)
  union all
  select 'datastream_chunk_failures_total', '{}', coalesce((select t.n from t where t.state = 'failed'), 0)::double precision
  union all
  select 'datastream_rows_written_total', '{}', coalesce((select t.rows_written from t where t.state = 'succeeded'), 0)::double precision
  union all
  select 'datastream_dataset_versions', '{}', (select count(*) from ds_private.dataset_versions)::double precision;

  select * into v_health from ds_server.health();
  return query values
    ('datastream_queue_depth', '{}'::jsonb, v_health.queue_depth::double precision),
    ('datastream_queue_jobs', '{"state": "ready"}', v_health.queue_ready::double precision),
    ('datastream_queue_jobs', '{"state": "locked"}', v_health.queue_locked::double precision),
    ('datastream_queue_jobs', '{"state": "failed"}', v_health.queue_failed::double precision),
    ('datastream_workers', '{"state": "live"}', v_health.live_workers::double precision),
    ('datastream_workers', '{"state": "dead"}', (v_health.registered_workers - v_health.live_workers)::double precision),
    ('datastream_worker_last_activity_seconds', '{}', coalesce(v_health.last_activity_seconds, 'NaN'));
end;
$$;
comment on function ds_server.metrics() is 'The figures GET /metrics exposes in Prometheus text format, one row per sample: builds by state, failed builds, the duration histogram of finished builds (first chunk start to last chunk end), chunks by state, failed chunks, rows written, dataset versions, queue depth and jobs, workers, seconds since the last activity. Read from the database on each call, so they hold across processes.';
