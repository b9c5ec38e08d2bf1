/**
 * A chunk's dependency data: one query per dependency for the whole chunk and its
 * lookback, grouped into entries { ts, rows } on the dependency's calendar points (the
 * slots ds_worker.start_task computed with sql/build/dependency_window.sql, the one rule),
 * then handed to the builder per point as SQL said: point i reads entries
 * windows.from[i] .. windows.to[i] - 1 (ds_private.point_entry_windows). No window rule is
 * written here. A dataset written from outside (external) has rows anywhere inside its
 * slots: a row belongs to the entry whose slot [p, p + step) holds it and keeps its own ts.
 */
import type pg from "pg";
import type { Entry, Row } from "../builders/builder-types.ts";

export type { Entry };

export interface DependencySpec {
  name: string;
  version: string;
  table: string;
  step_ms: number;
  /** Written from outside (ds.write): rows need not sit on points; each row keeps its ts. */
  external?: boolean;
  /** Without key: rows in row_number order (as built or written), without that implicit column. */
  keyless?: boolean;
  /** The dependency's calendar points the chunk reads, as slot ranges [lower, upper) in ms. */
  entries: [number, number][];
  /** Per point of the chunk, in order: its window is entries from[i] .. to[i] - 1 (of the expanded entries), as PostgreSQL int arrays' text ("{0,1,2}"). */
  windows: { from: string; to: string };
}

export interface LoadedDependency {
  spec: DependencySpec;
  entries: Entry[];
  times: number[];
  /** Per point of the chunk: its window is entries from[i] .. to[i] - 1. */
  from: Int32Array;
  to: Int32Array;
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
  return { spec, entries, times, from: intArray(spec.windows.from), to: intArray(spec.windows.to) };
}

/** The numbers of a PostgreSQL int array's text, "{0,1,2}". */
export function intArray(text: string): Int32Array {
  const inner = text.slice(1, -1);
  return inner === "" ? new Int32Array(0) : Int32Array.from(inner.split(","), Number);
}

/** The points (ms) of slot ranges [lower, upper) with the given step. */
export function expandSlots(ranges: [number, number][], stepMs: number): number[] {
  const out: number[] = [];
  for (const [lo, hi] of ranges) for (let t = lo; t < hi; t += stepMs) out.push(t);
  return out;
}

/** The entries point number `i` of the chunk (in point order) reads, as ds_private.point_entry_windows said. */
export function pointWindow(dep: LoadedDependency, i: number): Entry[] {
  return dep.entries.slice(dep.from[i], dep.to[i]);
}
