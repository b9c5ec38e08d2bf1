/**
 * The entry of a builder thread (worker_threads): runs a chunk's builder over its points,
 * validates the rows and encodes them for COPY (binary or text, copy-rows.ts), off the worker's event loop.
 * Whatever a builder does here — hang, loop, throw, call process.exit — ends at most this
 * thread: builder-pool.ts terminates it at the chunk's deadline and replaces it.
 *
 * Protocol: the pool posts a ChunkRequest; the thread answers with `block` messages
 * (encoded rows, transferred), then one `done` (the row count) or one `error`. Each block
 * spends a credit; the pool gives one back ({ credit: 1 }) when COPY took a block, and a
 * thread without credit waits: memory stays at a few blocks whatever the chunk's size.
 */
import { parentPort } from "node:worker_threads";
import { DsError } from "../db/errors.ts";
import { checkBuilderCode } from "./code-check.ts";
import { blockEncoder } from "./copy-rows.ts";
import type { Entry } from "../builders/builder-types.ts";
import { expandSlots, pointWindow, type LoadedDependency } from "./dependency-entries.ts";
import type { Field } from "./field-types.ts";
import { keyFilter } from "./key-filter.ts";
import { loadBuilder } from "./load-builder.ts";
import { rowValidator } from "./validate-rows.ts";

/** What a builder thread needs to run one chunk (a subset of the task spec). */
export interface ChunkRequest {
  buildersDir: string;
  dataset: string;
  version: string;
  builder: string;
  /** The registered code hash; the thread refuses the chunk when its builder's differs (DS067). */
  code_hash: string | null;
  env_vars: boolean;
  schema: Field[];
  key: string[];
  keys: Record<string, unknown>[] | null;
  step_ms: number;
  points: [number, number][];
  dependencies: LoadedDependency[];
}

/** An error as it crosses the thread boundary. */
export interface ThreadError {
  /** "builder": the builder threw (retried); "ds": a DS error (final); "internal": anything else. */
  kind: "builder" | "ds" | "internal";
  message: string;
  code?: string;
  detail?: string;
  hint?: string;
}

/** The pool's acknowledgement of a block: the thread may post `credit` more. */
export interface ThreadCredit {
  credit: number;
}

export type ThreadMessage =
  | { type: "ready" }
  | { type: "block"; data: Uint8Array }
  | { type: "done"; rows: number }
  | { type: "error"; error: ThreadError };

const BLOCK_BYTES = 512 * 1024;
/** Blocks posted and not yet taken by COPY at most: the thread's memory bound for rows. */
const BLOCK_CREDITS = 4;

/** Blocks the thread may still post before it waits for the pool (reset for each chunk). */
const credit = { left: BLOCK_CREDITS, wake: null as (() => void) | null };

function addCredit(n: number): void {
  credit.left += n;
  const wake = credit.wake;
  credit.wake = null;
  wake?.();
}

async function runChunk(req: ChunkRequest, post: (m: ThreadMessage, transfer?: ArrayBuffer[]) => void): Promise<number> {
  const builder = await loadBuilder(req.buildersDir, req.dataset, req.version, req.builder, req.env_vars);
  checkBuilderCode(req, builder.codeHash);
  const context = { dataset: req.dataset, version: req.version, env: builder.env };
  const validate = rowValidator(req.schema);
  // without key, each point's rows are numbered (row_number) in the order the builder returned them
  const encoder = blockEncoder(req.schema, req.key.length === 0, BLOCK_BYTES);
  // the label of a point is only built when something about it fails
  const where = (ts: Date) => `${req.dataset} ${req.version} at ${ts.toISOString()}`;
  // a task of some keys writes only their rows
  const keep = req.keys ? keyFilter(req.schema, req.key, req.keys) : null;
  const flush = async (last: boolean) => {
    const data = encoder.take(last);
    if (!data) return;
    while (credit.left <= 0) await new Promise<void>((resolve) => (credit.wake = resolve));
    credit.left--;
    post({ type: "block", data }, [data.buffer as ArrayBuffer]);
  };
  let written = 0;
  const points = expandSlots(req.points, req.step_ms);
  for (const d of req.dependencies) {
    if (d.from.length !== points.length) throw new Error(`${d.spec.name}: ${d.from.length} windows for ${points.length} points`);
  }
  for (let i = 0; i < points.length; i++) {
    const ts = new Date(points[i]!);
    const args: Record<string, Entry[]> = {};
    for (const d of req.dependencies) args[d.spec.name] = pointWindow(d, i);
    let result: unknown;
    try {
      result = builder.build(args, ts, context);
      if (result && typeof (result as Promise<unknown>).then === "function") result = await result;
    } catch (err) {
      throw new BuilderThrew(`${where(ts)}: builder failed: ${(err as Error)?.message ?? String(err)}`);
    }
    let rows = validate(result, () => where(ts));
    if (keep) rows = rows.filter(keep);
    written += rows.length;
    encoder.add(ts, rows);
    if (encoder.size >= BLOCK_BYTES) await flush(false);
  }
  await flush(true);
  return written;
}

class BuilderThrew extends Error {}

function toThreadError(err: unknown): ThreadError {
  if (err instanceof BuilderThrew) return { kind: "builder", message: err.message };
  if (err instanceof DsError) return { kind: "ds", code: err.code, message: err.message, detail: err.detail, hint: err.hint };
  return { kind: "internal", message: (err as Error)?.message ?? String(err) };
}

const port = parentPort;
if (port) {
  port.on("message", (req: ChunkRequest | ThreadCredit) => {
    if ("credit" in req) return addCredit(req.credit);
    credit.left = BLOCK_CREDITS;
    const post = (m: ThreadMessage, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
    runChunk(req, post).then(
      (rows) => post({ type: "done", rows }),
      (err: unknown) => post({ type: "error", error: toThreadError(err) }),
    );
  });
  // its modules are loaded: the pool may hand it a chunk without a cold start (BuilderPool.warm)
  port.postMessage({ type: "ready" } satisfies ThreadMessage);
}
