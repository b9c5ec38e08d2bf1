/**
 * A chunk's dependency data: one query per dependency for the whole chunk and its
 * lookback, grouped into entries { ts, rows } on the dependency's calendar points (the
 * slots ds_worker.start_task computed with sql/build/dependency_window.sql, the one rule), then
 * sliced per point T with that rule (test/dependency-windows.test.ts compares both):
 * window "point" (default): the entry at T without lookback, those in [T - span, T] for a
 * wall-clock lookback, the N last entries at or before T for a counted one; window
 * "bucket": [T, T + step), [T - span, T + step), the N last before T + step. A dataset written from outside
 * (external) has rows anywhere inside its slots: a row belongs to the entry whose slot
 * [p, p + step) holds it and keeps its own ts.
 */
import type pg from "pg";
import type { Entry, Row } from "../builders/builder-types.ts";

export type { Entry };

export interface DependencySpec {
  name: string;
  version: string;
  table: string;
  lookback_ms: number | null;
  lookback_points: number | null;
  /** "point" (default): up to and including T; "bucket": the bucket [T, T + step) T labels. */
  window?: "point" | "bucket";
  step_ms: number;
  /** Written from outside (ds.write): rows need not sit on points; each row keeps its ts. */
  external?: boolean;
  /** Without key: rows in row_number order (as built or written), without that implicit column. */
  keyless?: boolean;
  /** The dependency's calendar points in the window, as slot ranges [lower, upper) in ms. */
  entries: [number, number][];
}

export interface LoadedDependency {
  spec: DependencySpec;
  entries: Entry[];
  times: number[];
}

export async function loadDependency(client: pg.Pool | pg.ClientBase, spec: DependencySpec): Promise<LoadedDependency> {
  const times = expandSlots(spec.entries, spec.step_ms);
  const entries: Entry[] = times.map((t) => ({ ts: new Date(t), rows: [] }));
  if (entries.length > 0) {
    const external = spec.external === true;
    const { rows } = await client.query({
      text: `select * from ds_data."${spec.table}" where ts >= $1 and ts ${external ? "<" : "<="} $2 order by ts${spec.keyless ? ", row_number" : ""}`,
      values: [entries[0]!.ts, new Date(times[times.length - 1]! + (external ? spec.step_ms : 0))],
    });
    let i = 0;
    for (const row of rows as Row[]) {
      if (spec.keyless) delete row.row_number;
      const t = (row.ts as Date).getTime();
      if (external) {
        // the entry whose slot [p, p + step) holds the row
        while (i < times.length && times[i]! + spec.step_ms <= t) i++;
        if (i === times.length) break;
        if (times[i]! <= t) entries[i]!.rows.push(row);
        continue;
      }
      while (i < times.length && times[i]! < t) i++;
      if (i === times.length) break;
      if (times[i] !== t) continue; // a row at a point that is not an entry (outside the calendar)
      const { ts: _ts, ...fields } = row;
      entries[i]!.rows.push(fields);
    }
  }
  return { spec, entries, times };
}

/** The points (ms) of slot ranges [lower, upper) with the given step. */
export function expandSlots(ranges: [number, number][], stepMs: number): number[] {
  const out: number[] = [];
  for (const [lo, hi] of ranges) for (let t = lo; t < hi; t += stepMs) out.push(t);
  return out;
}

/** First index with times[i] >= t. */
function lowerBound(times: number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The entries point `t` (ms) of a dataset with step `stepMs` reads from a dependency: the
 * rule of sql/build/dependency_window.sql applied to the entries that function gave.
 *
 * @example
 * // daily T = 2024-01-02 on hourly entries, lookback "24h" (span 23h), window "point":
 * // the 24 entries 2024-01-01 01:00 .. 2024-01-02 00:00
 * windowFor(hourly, Date.parse("2024-01-02T00:00Z"), 86_400_000);
 */
export function windowFor(dep: LoadedDependency, t: number, stepMs: number): Entry[] {
  // first index past the window: past T + step (bucket) or past T itself (point)
  const end = lowerBound(dep.times, dep.spec.window === "bucket" ? t + stepMs : t + 1);
  if (dep.spec.lookback_points != null) {
    return dep.entries.slice(Math.max(0, end - dep.spec.lookback_points), end);
  }
  const start = lowerBound(dep.times, t - (dep.spec.lookback_ms ?? 0));
  return dep.entries.slice(start, end);
}
