/**
 * A dry run: plan the build and run every chunk of its closure for real, in dependency
 * order, inside one transaction on `client` that the caller rolls back. No second
 * in-memory implementation: the same planner, builders, validation and COPY (or, for SQL
 * builders, the same ds_worker.run_sql_task). `ds_worker.plan_dry_run` plans it without taking the
 * datasets' build locks (real builds go on meanwhile) and refuses more points than
 * ds.max_points (DS033); the transaction can never commit.
 */
import type pg from "pg";
import type { BuilderPool } from "./builder-pool.ts";
import { buildAndWriteChunk, startTask } from "./chunk.ts";
import { runSqlChunk } from "./sql-chunk.ts";
import { runSourceChunk, type SourceSpec } from "../sources/run-source-chunk.ts";

export interface DryRunResult {
  buildId: number;
  chunks: number;
}

export interface DryRunOptions {
  /** Aborted (the HTTP client went away): no further chunk starts. */
  signal?: AbortSignal;
}

/** Must run inside a transaction (begin … rollback) on `client`. */
export async function dryRunBuild(client: pg.ClientBase, builders: BuilderPool, buildersDir: string, name: string, version: string, start: string, end: string,
  { signal }: DryRunOptions = {}): Promise<DryRunResult> {
  const { rows } = await client.query<{ id: number }>("select ds_worker.plan_dry_run($1, $2, $3, $4) as id", [name, version, start, end]);
  const buildId = rows[0]!.id;
  let chunks = 0;
  for (;;) {
    signal?.throwIfAborted();
    // ready tasks of this build; completing one makes its dependents ready
    const ready = await client.query<{ id: number }>("select id from ds_worker.ready_tasks($1) id", [buildId]);
    if (ready.rows.length === 0) break;
    for (const { id } of ready.rows) {
      signal?.throwIfAborted();
      const spec = await startTask(client, id, null, null);
      if (!spec) continue;
      if (spec.source) await runSourceChunk(client, spec as SourceSpec, signal);
      else if (spec.sql) await runSqlChunk(client, spec);
      else await buildAndWriteChunk(client, client, spec, builders, buildersDir, { own: false, signal });
      chunks++;
    }
  }
  return { buildId, chunks };
}
