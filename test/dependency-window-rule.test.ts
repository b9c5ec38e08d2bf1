/**
 * The window rule lives once, in SQL (sql/build/dependency_window.sql). Compared here on
 * many cases (granularities, calendars, lookbacks, both windows) with what each point
 * reads on its own (ds_private.dependency_window of the point alone): the per-point windows
 * a chunk's spec carries (ds_private.point_entry_windows, which the worker slices the
 * chunk's entries with, and ds_private.point_windows, SQL builders' :windowed("name")), and
 * ds_private.affected_points, the inverse that invalidation uses (a point T is
 * invalidated by a change at p exactly when T's window reads p).
 */
import { describe, expect, it } from "vitest";
import { expandSlots, intArray, pointWindow, type LoadedDependency } from "../worker/dependency-entries.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("window-rule", { worker: false });

// dependent (its calendar and step) on dependency, over the dependent's points in [from, to];
// the inverse is checked against the dependency's points from `back` before from
const pairs: [string, string, string, string, string?][] = [
  ["v-day-point", "v-hourly", "2024-01-01", "2024-01-06"], // 1d everyday on 1h everyday
  ["v-weekday-point", "v-hourly", "2024-01-05", "2024-01-09"], // 1d weekday on 1h everyday
  ["v-day-point", "t-root", "2024-01-01", "2024-01-08"], // 1d everyday on 1d everyday
  ["v-weekday-point", "t-root", "2024-01-01", "2024-01-10"], // 1d weekday on 1d everyday
  ["v-day-point", "v-weekday-root", "2024-01-01", "2024-01-10"], // 1d everyday on 1d weekday
  ["x-daily", "v-minute", "2024-11-29", "2024-12-02", "2 days"], // 1d nyse-daily on 1m nyse
  ["v-hour-point", "v-minute", "2024-11-29", "2024-12-02T16:00Z", "2 days"], // 1h nyse on 1m nyse (early close, open)
  ["v-minute", "v-minute", "2024-11-29T14:20Z", "2024-11-29T15:10Z", "2 days"], // 1m nyse on itself
];
const lookbacks: (string | number | null)[] = [null, "24h", "2d", "90m", "1d", 1, 3, 60];

interface Case {
  dependent: string;
  dependency: string;
  lookback: string | number | null;
  window: "point" | "bucket";
}

const cases: Case[] = pairs.flatMap(([dependent, dependency]) =>
  lookbacks.flatMap((lookback) => (["point", "bucket"] as const).map((window) => ({ dependent, dependency, lookback, window }))));

/** The edge of a case, built like registration does (parse_lookback), as SQL text of a row. */
const edgeSql = `(select jsonb_populate_record(null::ds_private.dependencies, jsonb_build_object(
    'dataset_version_id', a.id, 'depends_on_id', b.id, 'lookback', l.lookback_text, 'lookback_interval', l.lookback_interval,
    'lookback_points', l.lookback_points, 'window_kind', $4::text))
  from ds_private.dataset_versions a, ds_private.dataset_versions b, ds_private.parse_lookback($3::jsonb, 'x', 'x', 'x') l
  where a.name = $1 and a.version = '0.1.0' and b.name = $2 and b.version = '0.1.0')`;

async function caseData(c: Case, from: string, to: string) {
  const params = [c.dependent, c.dependency, JSON.stringify(c.lookback), c.window, from, to];
  // per point T of the dependent: the dependency points SQL says T reads
  const perPoint = await db.q<{ t: Date; reads: Date[] }>(
    `with e as (select ${edgeSql} as edge), v as (select * from ds_private.dataset_versions where name = $1 and version = '0.1.0')
     select p.ts as t, array(select g from unnest(ds_private.dependency_window(tstzmultirange(tstzrange(p.ts, p.ts + v.step)), e.edge)) r,
                                  generate_series(lower(r), upper(r) - (select step from ds_private.dataset_versions where id = (e.edge).depends_on_id),
                                                  (select step from ds_private.dataset_versions where id = (e.edge).depends_on_id)) g order by g) as reads
     from e, v, ds.calendar_points(v.calendar, v.granularity, greatest($5::timestamptz, v.start_at), $6::timestamptz) p(ts) order by p.ts`, params);
  // the chunk's entries and windows (what ds_worker.start_task sends), and the windows of
  // SQL builders' :windowed("name") as time ranges
  const chunk = await db.one<{ entries: [number, number][]; windows: { from: string; to: string }; step_ms: number; dep_step_ms: number;
    reaches: Array<{ point: string; lower: string | null; upper: string | null }> }>(
    `with e as (select ${edgeSql} as edge), v as (select * from ds_private.dataset_versions where name = $1 and version = '0.1.0'),
     p as (select ds_private.version_slots(v.id, tstzmultirange(tstzrange($5::timestamptz, $6::timestamptz, '[]'))) as points from v),
     c as (select e.edge, p.points, ds_private.dependency_window(p.points, e.edge) as slots from e, p)
     select ds_private.slot_ranges_ms(c.slots) as entries, ds_private.point_entry_windows(c.edge, c.points, c.slots) as windows,
            extract(epoch from v.step) * 1000 as step_ms,
            (select extract(epoch from step) * 1000 from ds_private.dataset_versions where id = (c.edge).depends_on_id) as dep_step_ms,
            (select jsonb_agg(jsonb_build_object('point', w.point, 'lower', lower(w.reach), 'upper', upper(w.reach)) order by w.point)
             from ds_private.point_windows(c.edge, c.points) w) as reaches
     from c, v`, params);
  return { perPoint, chunk };
}

describe("the per-point windows a chunk gets are the window rule", () => {
  it.each(cases.map((c) => [`${c.dependent} on ${c.dependency}, lookback ${JSON.stringify(c.lookback)}, window ${c.window}`, c] as const))(
    "%s",
    async (_label, c) => {
      const [, , from, to] = pairs.find(([a, b]) => a === c.dependent && b === c.dependency)!;
      const { perPoint, chunk } = await caseData(c, from, to);
      expect(perPoint.length).toBeGreaterThan(0);
      const times = expandSlots(chunk.entries, Number(chunk.dep_step_ms));
      const dep: LoadedDependency = {
        spec: { name: c.dependency, version: "0.1.0", table: "", step_ms: Number(chunk.dep_step_ms), entries: chunk.entries, windows: chunk.windows },
        entries: times.map((t) => ({ ts: new Date(t), rows: [] })),
        times,
        from: intArray(chunk.windows.from),
        to: intArray(chunk.windows.to),
      };
      // the chunk's points, in the order the worker runs them
      expect(dep.from.length).toBe(perPoint.length);
      expect(chunk.reaches.map((r) => Date.parse(r.point))).toEqual(perPoint.map((p) => p.t.getTime()));
      for (const [i, { t, reads }] of perPoint.entries()) {
        const expected = reads.map((r) => r.toISOString());
        // the worker's slice of the entries
        expect(pointWindow(dep, i).map((e) => e.ts.toISOString()), `worker, at ${t.toISOString()}`).toEqual(expected);
        // :windowed("name"): the dependency points inside the point's time range
        const r = chunk.reaches[i]!;
        const inside = r.lower === null ? [] : times.filter((x) => x >= Date.parse(r.lower!) && x < Date.parse(r.upper!));
        expect(inside.map((x) => new Date(x).toISOString()), `SQL builders, at ${t.toISOString()}`).toEqual(expected);
      }
    },
  );
});

describe("ds_private.affected_points is the inverse of the window rule", () => {
  it.each(cases.map((c) => [`${c.dependent} on ${c.dependency}, lookback ${JSON.stringify(c.lookback)}, window ${c.window}`, c] as const))(
    "%s",
    async (_label, c) => {
      const [, , from, to, back = "3 days"] = pairs.find(([a, b]) => a === c.dependent && b === c.dependency)!;
      // every (T, p): T a point of the dependent in [from, to], p a point of the dependency
      // from `back` before from to the end of the last T's bucket; reads = p in T's window,
      // affected = T's slot in affected_points(p's slot)
      const mismatches = await db.q<{ t: Date; p: Date; reads: boolean; affected: boolean }>(
        `with e as (select ${edgeSql} as edge),
         v as (select * from ds_private.dataset_versions where name = $1 and version = '0.1.0'),
         w as (select * from ds_private.dataset_versions where name = $2 and version = '0.1.0'),
         ts as materialized (select p.ts as t, ds_private.dependency_window(tstzmultirange(tstzrange(p.ts, p.ts + v.step)), e.edge) as win
                from e, v, ds.calendar_points(v.calendar, v.granularity, greatest($5::timestamptz, v.start_at), $6::timestamptz) p(ts)),
         ps as materialized (select q.ts as p, ds_private.affected_points(e.edge, tstzmultirange(tstzrange(q.ts, q.ts + w.step))) as aff
                from e, v, w, ds.calendar_points(w.calendar, w.granularity, greatest($5::timestamptz - $7::interval, w.start_at),
                                                 $6::timestamptz + v.step - interval '1 second') q(ts))
         select ts.t, ps.p, ts.win @> ps.p as reads, ps.aff @> tstzrange(ts.t, ts.t + v.step) as affected
         from ts, ps, v where (ts.win @> ps.p) <> (ps.aff @> tstzrange(ts.t, ts.t + v.step)) order by 1, 2 limit 3`,
        [c.dependent, c.dependency, JSON.stringify(c.lookback), c.window, from, to, back]);
      expect(mismatches).toEqual([]);
    },
  );
});
