/**
 * A worker runs only the builder code that is registered (README "Code versions"): the
 * builder thread hashes the code it imports (datasets/code-hash.ts, load-builder.ts) and,
 * before each chunk, compares it with the version's registered hash; when they differ it
 * refuses the chunk with DS067, so machines with different builders/ never mix their
 * outputs in one dataset. The refusal is retried like a builder failure: another worker
 * with the registered code may take the chunk.
 */
import { join } from "node:path";
import { DsError } from "../db/errors.ts";

export interface CodeCheck {
  buildersDir: string;
  dataset: string;
  version: string;
  builder: string;
  /** The registered hash; null (registered before code versions) is not checked. */
  code_hash: string | null;
}

/** Throws DS067 when the loaded builder code is not the registered code. */
export function checkBuilderCode(req: CodeCheck, loaded: string): void {
  if (!req.code_hash || loaded === req.code_hash) return;
  throw new DsError("DS067", `${req.dataset} ${req.version}: this worker's builder code differs from the registered code`, {
    detail: `registered ${req.code_hash.slice(0, 12)}, this worker loaded ${loaded.slice(0, 12)} from ${join(req.buildersDir, req.dataset, req.version, req.builder)}`,
    hint: "Deploy the same builders/ to every worker, then run ds sync once; the chunk is retried, by a worker with the registered code.",
  });
}

/** Whether an error is this refusal (retried, not final at once). */
export const isCodeRefusal = (err: unknown): boolean => err instanceof DsError && err.code === "DS067";
