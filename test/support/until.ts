/** Polling for a condition in tests that watch other processes (workers, servers). */

/**
 * Calls `f` until it returns something truthy, and returns that; throws naming `what` after
 * `timeoutMs`. With `ignoreErrors`, a rejection counts as "not yet" (a database restarting).
 */
export async function until<T>(what: string, f: () => Promise<T | undefined | false>, timeoutMs = 60_000, { ignoreErrors = false } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await (ignoreErrors ? f().catch(() => undefined) : f());
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
