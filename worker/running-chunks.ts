/**
 * The chunks a worker process runs right now, each with an AbortController: the
 * heartbeat aborts the ones that were cancelled (or taken over) meanwhile, and the
 * worker aborts them all when its job runner has to start again.
 */
export class RunningChunks {
  readonly #chunks = new Map<number, AbortController>();

  /** Registers a task; its signal aborts when the chunk must stop. */
  add(taskId: number): AbortSignal {
    const controller = new AbortController();
    this.#chunks.set(taskId, controller);
    return controller.signal;
  }

  remove(taskId: number): void {
    this.#chunks.delete(taskId);
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
