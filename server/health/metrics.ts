/**
 * GET /metrics: the samples of ds_server.metrics() (one SQL call per scrape) grouped into
 * Prometheus families with their HELP and TYPE.
 */
import type pg from "pg";
import type { Family, Sample } from "./prometheus-text.ts";

const families: Omit<Family, "samples">[] = [
  { name: "datastream_builds", type: "gauge", help: "Builds by state (ds.builds)." },
  { name: "datastream_build_failures_total", type: "counter", help: "Builds that failed." },
  { name: "datastream_build_duration_seconds", type: "histogram",
    help: "Duration of finished builds, from their first chunk's start to their last chunk's end." },
  { name: "datastream_chunks", type: "gauge", help: "Chunks (tasks) by state." },
  { name: "datastream_chunk_failures_total", type: "counter", help: "Chunks that failed for good (after their attempts)." },
  { name: "datastream_rows_written_total", type: "counter", help: "Rows written by succeeded chunks." },
  { name: "datastream_dataset_versions", type: "gauge", help: "Registered dataset versions." },
  { name: "datastream_queue_depth", type: "gauge", help: "graphile-worker jobs waiting to run (not locked, attempts left)." },
  { name: "datastream_queue_jobs", type: "gauge", help: "graphile-worker jobs: ready now, locked by a worker, failed for good." },
  { name: "datastream_workers", type: "gauge", help: "Registered workers: live (holding their advisory lock) or dead (not yet recovered)." },
  { name: "datastream_worker_last_activity_seconds", type: "gauge",
    help: "Seconds since work last happened: a live worker registering, a chunk starting or ending (NaN before any)." },
];

const familyOf = (name: string) => families.find((f) => name === f.name || (f.type === "histogram" && name.startsWith(`${f.name}_`)));

export async function readMetrics(pool: pg.Pool): Promise<Family[]> {
  const { rows } = await pool.query<{ metric: string; labels: Record<string, string>; value: number }>(
    "select metric, labels, value from ds_server.metrics()");
  const samples = new Map<string, Sample[]>();
  for (const r of rows) {
    const family = familyOf(r.metric);
    if (!family) continue;
    const list = samples.get(family.name) ?? [];
    list.push({ name: r.metric, labels: r.labels, value: r.value });
    samples.set(family.name, list);
  }
  return families.map((f) => ({ ...f, samples: samples.get(f.name) ?? [] }));
}
