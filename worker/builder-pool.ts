/**
 * Builder threads: TypeScript builders run in worker_threads, one chunk per thread at a
 * time, so the worker's event loop (its queue, heartbeat and database connections) stays
 * free whatever a builder does. A chunk has a deadline: past it the thread is terminated
 * (even in `while (true) {}`) and the chunk fails with DS031. A thread that dies under a
 * chunk (process.exit, out of memory, an uncaught error) fails it with DS032. A chunk can
 * be aborted (ds.cancel). A thread that ended for any of these reasons is replaced.
 *
 * Rows stream: the thread posts blocks of encoded rows as it makes them and the pool hands
 * each to the caller's `onBlock` (the chunk's open COPY) in order. A block is acknowledged
 * (a credit sent back to the thread) once `onBlock` has taken it, and the thread holds at
 * most BLOCK_CREDITS blocks unacknowledged: when COPY lags, the builder pauses, so a
 * chunk of any size costs a few blocks of memory, never the whole chunk.
 */
import { Worker, type ResourceLimits } from "node:worker_threads";
import { DsError } from "../db/errors.ts";
import type { ChunkRequest, ThreadCredit, ThreadError, ThreadMessage } from "./builder-thread.ts";

/** A builder's failure: retried with backoff up to max-attempts; `code` DS031/DS032 or none. */
export class BuilderFailure extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = "BuilderFailure";
    this.code = code;
  }
}

/** The chunk was aborted (cancelled, or the worker is restarting its queue). */
export class ChunkAborted extends Error {}

/** Takes one block of encoded rows (COPY text, in order); resolves when it may receive the next. */
export type BlockSink = (data: Uint8Array) => Promise<void>;

export interface BuilderPoolOptions {
  /** Threads at most (the chunks run at once). */
  size: number;
  /** Heap limits of each thread (a builder past them fails its chunk with DS032). */
  resourceLimits?: ResourceLimits;
}

export interface RunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

const THREAD_URL = new URL("./builder-thread.ts", import.meta.url);

export class BuilderPool {
  readonly #size: number;
  readonly #limits: ResourceLimits | undefined;
  readonly #idle: Worker[] = [];
  readonly #waiting: ((w: Worker) => void)[] = [];
  readonly #live = new Set<Worker>();
  #closed = false;

  constructor(options: BuilderPoolOptions) {
    this.#size = Math.max(1, options.size);
    this.#limits = options.resourceLimits;
  }

  /**
   * Runs one chunk's builder in a thread, handing its encoded rows to `onBlock` as they
   * come; resolves with the row count once the last block was taken. A failing `onBlock`
   * (COPY rejected the rows) ends the chunk with its error.
   */
  async run(request: ChunkRequest, { timeoutMs, signal }: RunOptions, onBlock: BlockSink): Promise<number> {
    signal?.throwIfAborted();
    const thread = await this.#acquire();
    return new Promise<number>((resolve, reject) => {
      const label = `${request.dataset} ${request.version}`;
      // blocks are taken one after the other; `taken` is the last one's promise
      let taken: Promise<void> = Promise.resolve();
      let settled = false;
      let done = false;
      const finish = (keep: boolean, outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        thread.off("message", onMessage).off("error", onError).off("exit", onExit);
        if (keep) this.#release(thread);
        else this.#discard(thread);
        outcome();
      };
      const onMessage = (m: ThreadMessage) => {
        if (m.type === "ready") return;
        if (m.type === "block") {
          taken = taken.then(() => (settled ? undefined : onBlock(m.data))).then(() => {
            // no credit once the thread is done: it must not leak into its next chunk
            if (!settled && !done) thread.postMessage({ credit: 1 } satisfies ThreadCredit);
          });
          // the sink failed (COPY rejected the rows): the thread may wait for a credit forever
          taken.catch((err: unknown) => finish(false, () => reject(err)));
        } else if (m.type === "done") {
          done = true;
          // the builder finished within its deadline; COPY may still be taking the last blocks
          clearTimeout(timer);
          taken.then(() => finish(true, () => resolve(m.rows)), () => {});
        } else finish(true, () => reject(fromThreadError(m.error)));
      };
      const onError = (err: Error) =>
        finish(false, () => reject(new BuilderFailure(`${label}: the builder crashed: ${err.message}`, "DS032")));
      const onExit = (code: number) =>
        finish(false, () => reject(new BuilderFailure(`${label}: the builder ended its thread (exit code ${code}) before finishing the chunk`, "DS032")));
      const onAbort = () => finish(false, () => reject(new ChunkAborted(`${label}: chunk aborted`)));
      const timer = setTimeout(
        () => finish(false, () => reject(new BuilderFailure(`${label}: the builder did not finish the chunk within its timeout of ${formatMs(timeoutMs)}`, "DS031"))),
        timeoutMs,
      );
      thread.on("message", onMessage).on("error", onError).on("exit", onExit);
      signal?.addEventListener("abort", onAbort, { once: true });
      thread.ref();
      thread.postMessage(request);
    });
  }

  /**
   * Starts the threads ahead of the first chunk and resolves once each has loaded its
   * modules (a cold thread took about a second here before its first chunk could start).
   * A thread that fails to start is left to be replaced when a chunk needs it.
   */
  async warm(): Promise<void> {
    const starting: Promise<void>[] = [];
    while (!this.#closed && this.#live.size < this.#size) {
      const w = this.#spawn();
      starting.push(new Promise<void>((resolve) => {
        const ready = (m: ThreadMessage) => {
          if (m.type !== "ready") return;
          w.off("message", ready).off("exit", gone);
          this.#release(w);
          resolve();
        };
        const gone = () => {
          w.off("message", ready);
          resolve();
        };
        w.on("message", ready).once("exit", gone);
      }));
    }
    await Promise.all(starting);
  }

  /** Terminates every thread; running chunks fail. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#idle.splice(0);
    await Promise.all([...this.#live].map((w) => w.terminate()));
  }

  #acquire(): Promise<Worker> {
    if (this.#closed) return Promise.reject(new Error("builder pool is closed"));
    const idle = this.#idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.#live.size < this.#size) return Promise.resolve(this.#spawn());
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #spawn(): Worker {
    const w = new Worker(THREAD_URL, { resourceLimits: this.#limits, stdout: false, stderr: false });
    this.#live.add(w);
    w.on("error", () => {}); // reported to the chunk that runs, if any (run's own listener)
    w.once("exit", () => {
      // terminated at a deadline, or ended by a builder: make room for a new one
      this.#live.delete(w);
      const i = this.#idle.indexOf(w);
      if (i >= 0) this.#idle.splice(i, 1);
      const next = this.#waiting.shift();
      if (next && !this.#closed) next(this.#spawn());
    });
    return w;
  }

  #release(w: Worker): void {
    // an idle thread must not keep the process alive
    w.unref();
    const next = this.#waiting.shift();
    if (next) next(w);
    else if (this.#closed) void w.terminate();
    else this.#idle.push(w);
  }

  #discard(w: Worker): void {
    void w.terminate();
  }
}

function fromThreadError(e: ThreadError): Error {
  if (e.kind === "builder") return new BuilderFailure(e.message);
  if (e.kind === "ds" && e.code) return new DsError(e.code, e.message, { detail: e.detail, hint: e.hint });
  return new Error(e.message);
}

function formatMs(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms} ms`;
}
