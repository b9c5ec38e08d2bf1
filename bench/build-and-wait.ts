/** One build through the public SQL API, timed end to end: ds.build, then ds.wait. */
import type pg from "pg";
import { now } from "./stats.ts";

export interface TimedBuild {
  id: number;
  state: string;
  /** ds.build alone (planning and enqueueing). */
  planMs: number;
  /** ds.build + ds.wait: from the request to the build's end as seen by the caller. */
  totalMs: number;
  tasks: number;
}

export async function buildAndWait(pool: pg.Pool, name: string, version: string, start: Date, end: Date): Promise<TimedBuild> {
  const t0 = now();
  const { rows } = await pool.query("select ds.build($1, $2, $3, $4) as id", [name, version, start, end]);
  const id = Number(rows[0].id);
  const t1 = now();
  const waited = await pool.query("select ds.wait($1, '30 minutes') as state", [id]);
  const t2 = now();
  const state = waited.rows[0].state as string;
  const tasks = await pool.query("select count(*)::int as n from ds_private.build_tasks where build_id = $1", [id]);
  if (state !== "succeeded") {
    const err = await pool.query("select error from ds.builds where id = $1", [id]);
    throw new Error(`bench build ${id} of ${name} ${version} ended ${state}: ${err.rows[0]?.error ?? "no error recorded"}`);
  }
  return { id, state, planMs: t1 - t0, totalMs: t2 - t0, tasks: tasks.rows[0].n as number };
}

/** The inclusive end of `points` calendar points of an always-open dataset from start. */
export function lastPoint(start: Date, points: number, stepMs: number): Date {
  return new Date(start.getTime() + (points - 1) * stepMs);
}
