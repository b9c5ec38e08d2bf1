/**
 * The chunks a worker process runs right now, each with an AbortController: the
 * heartbeat aborts the ones that were cancelled (or taken over) meanwhile, and the
 * worker aborts them all when its job runner has to start again.
 */
export class RunningChunks {
  readonly #chunks = new Map<number, AbortController>();
  readonly #started = new Set<number>();
  readonly #jobWorkers = new Set<string>();

  /** Registers a task run by a job runner's worker (graphile-worker's locked_by); its signal aborts when the chunk must stop. */
  add(taskId: number, jobWorker: string | null): AbortSignal {
    if (jobWorker) this.#jobWorkers.add(jobWorker);
    const controller = new AbortController();
    this.#chunks.set(taskId, controller);
    return controller.signal;
  }

  /** The signal of a registered task (null when it is not registered). */
  signalOf(taskId: number): AbortSignal | null {
    return this.#chunks.get(taskId)?.signal ?? null;
  }

  /** The task's start committed (ds_worker.start_task): from now on the heartbeat asks about it. */
  started(taskId: number): void {
    this.#started.add(taskId);
  }

  remove(taskId: number): void {
    this.#chunks.delete(taskId);
    this.#started.delete(taskId);
  }

  /** The tasks whose start committed: the ones the heartbeat checks (a task still starting is queued). */
  startedIds(): number[] {
    return [...this.#started];
  }

  /** The job runners' worker ids seen since the last call: their jobs are unlocked when the runner is replaced. */
  jobWorkers(): string[] {
    const ids = [...this.#jobWorkers];
    this.#jobWorkers.clear();
    return ids;
  }

  ids(): number[] {
    return [...this.#chunks.keys()];
  }

  get size(): number {
    return this.#chunks.size;
  }

  abort(taskIds: Iterable<number>, reason: string): void {
    for (const id of taskIds) this.#chunks.get(Number(id))?.abort(new Error(reason));
  }

  abortAll(reason: string): void {
    this.abort(this.ids(), reason);
  }
}
