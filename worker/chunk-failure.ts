/**
 * How a chunk's failure is recorded (ds_worker.fail_task): its message, its DS code, and
 * whether another attempt may succeed. Builder failures (DS031, DS032, a throw) and a
 * worker with other builder code (DS067) are retried; data errors (DS017, classes 22 and
 * 23) and other DS errors are final at once; anything else (a lost connection, a
 * serialization failure) is retried.
 */
import { DsError } from "../db/errors.ts";
import { BuilderFailure } from "./builder-pool.ts";
import { isCodeRefusal } from "./code-check.ts";

export interface ChunkFailure {
  message: string;
  code: string | null;
  retryable: boolean;
}

export function chunkFailure(spec: { dataset: string; version: string }, err: unknown): ChunkFailure {
  const own = err instanceof BuilderFailure || err instanceof DsError;
  return {
    message: own ? err.message : `${spec.dataset} ${spec.version}: ${(err as Error).message}`,
    code: own ? (err.code ?? null) : null,
    retryable: err instanceof BuilderFailure || isCodeRefusal(err) || !(err instanceof DsError || /^(22|23)/.test(pgCode(err))),
  };
}

function pgCode(err: unknown): string {
  return (err as { code?: string }).code ?? "";
}
