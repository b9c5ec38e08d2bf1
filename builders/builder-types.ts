/**
 * The builder contract (DESIGN.md), as types — the one module of it: the example builders
 * and the worker (worker/validate-rows.ts, dependency-entries.ts, load-builder.ts) use these:
 * `build(dependencies, timestamp, context?) → Row[] | Promise<Row[]>`, where
 * `dependencies[name]` is an ascending array of `{ ts, rows }` entries of that dependency:
 * one for the point itself, or every point of the lookback window.
 */

/** One row: an object keyed by schema field (int/float → number, numeric → string, date → "YYYY-MM-DD", timestamp → Date, json → parsed). */
export type Row = Record<string, unknown>;

/** The rows a dependency has at one of its calendar points. */
export interface Entry<R extends Row = Row> {
  ts: Date;
  rows: R[];
}

/** The dependencies argument, typed by the row type of each dependency. */
export type Dependencies<D extends Record<string, Row> = Record<string, Row>> = { [K in keyof D]: Entry<D[K]>[] };
