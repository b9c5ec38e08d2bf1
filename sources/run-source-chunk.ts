/**
 * Running a chunk of a source dataset (`[source]`, README "Sources"): the source fetches the
 * chunk's missing slot ranges (ccxt-source.ts, http-source.ts) before any transaction opens;
 * the rows are kept when they fall in the chunk's slots (and belong to its keys), validated
 * like a builder's, and written in one transaction with the task's completion:
 * clear_task_rows, COPY, complete_task — all or nothing, like every chunk (worker/chunk.ts).
 *
 * A source that still fails after its retries (DS060), and a chunk past its timeout (DS031),
 * end as a BuilderFailure: the engine retries the chunk up to max-attempts. An unusable
 * answer (DS061) or refused credentials (DS062) fail the chunk at once.
 */
import pg from "pg";
import { DsError, toDsError } from "../db/errors.ts";
import { withTransaction } from "../db/transaction.ts";
import { BuilderFailure } from "../worker/builder-pool.ts";
import type { TaskSpec } from "../worker/chunk.ts";
import { blockEncoder, copyStatement, CopyWriter } from "../worker/copy-rows.ts";
import { keyFilter } from "../worker/key-filter.ts";
import { rowValidator, type Row } from "../worker/validate-rows.ts";
import type { CcxtSource } from "./ccxt-source.ts";
import type { HttpSource } from "./http-source.ts";
import type { SourceJob, SourceRow } from "./source-job.ts";

export type SourceSpec = TaskSpec & { source: (CcxtSource | HttpSource) & { symbols?: string[] } };

/**
 * Fetches and writes the chunk; returns the rows written. From the worker (a pool) in a
 * transaction of its own; in a dry run on the dry run's client, inside its transaction.
 */
export async function runSourceChunk(db: pg.Pool | pg.ClientBase, spec: SourceSpec, signal: AbortSignal = new AbortController().signal): Promise<number> {
  checkClosed(spec);
  const deadline = AbortSignal.timeout(spec.timeout_ms);
  const rows = await fetchChunk(spec, AbortSignal.any([signal, deadline])).catch((err: unknown) => {
    if (deadline.aborted && !signal.aborted) {
      throw new BuilderFailure(`${spec.dataset} ${spec.version}: the source did not finish the chunk within its timeout of ${spec.timeout_ms / 1000}s`, "DS031");
    }
    if (err instanceof DsError && err.code === "DS060") throw new BuilderFailure(err.message, err.code);
    throw err;
  });
  signal.throwIfAborted();
  return writeRows(db, spec, rows);
}

/**
 * A fetched range is covered for good (never fetched again), so a slot that has not ended —
 * the bar still forming — must not be fetched: DS061 (ds.refresh, what [refresh] schedule
 * runs, builds up to the last slot that ended).
 */
function checkClosed(spec: TaskSpec, now = Date.now()): void {
  const end = Math.max(...spec.points.map(([, upper]) => upper));
  if (end > now) {
    throw new DsError("DS061", `${spec.dataset} ${spec.version}: the chunk reaches slots that have not ended (up to ${new Date(end).toISOString()}): their rows are not final`, {
      detail: "a fetched range is covered and never fetched again",
      hint: "Build up to the last slot that ended: select ds.refresh(dataset, version), or [refresh] schedule in config.toml.",
    });
  }
}

/** The chunk's rows from its source, in its slots and keys, validated; ascending by ts. */
export async function fetchChunk(spec: SourceSpec, signal: AbortSignal): Promise<SourceRow[]> {
  const source = spec.source;
  const keep = spec.keys ? keyFilter(spec.schema, spec.key, spec.keys) : null;
  const symbols = source.symbols ? source.symbols.filter((symbol) => !keep || keep({ symbol } as Row)) : null;
  const job: SourceJob = { dataset: spec.dataset, version: spec.version, step_ms: spec.step_ms, ranges: spec.points, symbols, signal };
  // ccxt is large: loaded by the first chunk of a ccxt source, not by every worker
  const fetched = source.kind === "ccxt"
    ? await (await import("./ccxt-source.ts")).fetchCcxt(source, job)
    : await (await import("./http-source.ts")).fetchHttp(source as HttpSource, spec.schema, job);
  const validate = rowValidator(spec.schema);
  const rows = fetched.filter((r) => inSlots(spec.points, r.ts) && (!keep || keep(r.row)));
  validate(rows.map((r) => r.row), () => `${spec.dataset} ${spec.version} (rows of the source)`);
  return rows.sort((a, b) => a.ts - b.ts);
}

function inSlots(ranges: [number, number][], ts: number): boolean {
  return ranges.some(([lower, upper]) => ts >= lower && ts < upper);
}

async function writeRows(db: pg.Pool | pg.ClientBase, spec: TaskSpec, rows: SourceRow[]): Promise<number> {
  const numbered = spec.key.length === 0;
  const encoder = blockEncoder(spec.schema, numbered);
  // rows of one timestamp together: without key they are numbered 1, 2, ... in order
  for (let i = 0; i < rows.length;) {
    let j = i;
    while (j < rows.length && rows[j]!.ts === rows[i]!.ts) j++;
    encoder.add(new Date(rows[i]!.ts), rows.slice(i, j).map((r) => r.row));
    i = j;
  }
  const data = encoder.take(true);
  const write = async (client: pg.ClientBase) => {
    await client.query("select ds_worker.clear_task_rows($1)", [spec.task]);
    if (data) {
      const copy = new CopyWriter(client, copyStatement(spec.table, spec.schema, numbered));
      await copy.write(data);
      await copy.end();
    }
    await client.query("select ds_worker.complete_task($1, $2)", [spec.task, rows.length]);
  };
  try {
    await (db instanceof pg.Pool ? withTransaction(db, write) : write(db));
  } catch (err) {
    throw toDsError(err);
  }
  return rows.length;
}
