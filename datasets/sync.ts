/**
 * `ds sync`: parse every config.toml under a builders directory (all file errors before the
 * database is touched), hash each builder's code (datasets/code-hash.ts), then register the whole tree with one call of
 * `ds.register_datasets` in one transaction. A database error names the config file of the
 * dataset it concerns.
 *
 * @example
 * const { registered, unchanged } = await syncDatasets(pool, "builders");
 */
import type pg from "pg";
import { DsError, toDsError } from "../db/errors.ts";
import { withTransaction } from "../db/transaction.ts";
import { builderCodeHash } from "./code-hash.ts";
import { type DatasetDefinition, loadDatasetConfig } from "./config.ts";
import { discoverConfigs } from "./discover.ts";

/** What a sync did, as "name@version" labels. */
export interface SyncResult {
  registered: string[];
  updated: string[];
  unchanged: string[];
}

interface Loaded {
  file: string;
  definition: DatasetDefinition;
}

/** Parse every config under buildersDir; throws one DsError listing every invalid file. */
export function loadDatasetConfigs(buildersDir: string): Loaded[] {
  const loaded: Loaded[] = [];
  const errors: DsError[] = [];
  for (const file of discoverConfigs(buildersDir)) {
    try {
      loaded.push({ file, definition: loadDatasetConfig(file) });
    } catch (err) {
      if (!(err instanceof DsError)) throw err;
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) {
    throw new DsError("DS019", `${errors.length} invalid config files: ${errors.map((e) => e.message).join("; ")}`, {
      detail: errors.map((e) => e.detail).join("; "),
      hint: errors[0]!.hint,
    });
  }
  return loaded;
}

/** The config file a registration error is about, from the dataset named in its DETAIL. */
function fileOf(err: DsError, loaded: Loaded[]): string | undefined {
  const text = `${err.detail ?? ""} ${err.message}`;
  const exact = loaded.find(({ definition: d }) => text.includes(`dataset "${d.name}" version "${d.version}"`));
  return (exact ?? loaded.find(({ definition: d }) => text.includes(`dataset "${d.name}"`)))?.file;
}

/** Adds the code hash of each builder file (its code version); DS019 naming the file when it cannot be read. */
async function addCodeHashes(buildersDir: string, loaded: Loaded[]): Promise<void> {
  await Promise.all(loaded.map(async ({ file, definition: d }) => {
    if (!d.builder || d.source) return; // a [source] has no code (a builder next to it is DS059)
    try {
      d.code_hash = await builderCodeHash(buildersDir, d.name, d.version, d.builder);
    } catch (err) {
      throw new DsError("DS019", `${file}: cannot read the code of builder ${d.builder}: ${(err as Error).message.split("\n")[0]}`, {
        hint: "Fix the builder's syntax or its imports (local modules must exist).", cause: err });
    }
  }));
}

/** Register every dataset version under buildersDir; unchanged versions are left alone. */
export async function syncDatasets(pool: pg.Pool, buildersDir: string): Promise<SyncResult> {
  const loaded = loadDatasetConfigs(buildersDir);
  await addCodeHashes(buildersDir, loaded);
  try {
    return await withTransaction(pool, async (client) => (await client.query<{ result: SyncResult }>(
      "select ds.register_datasets($1::jsonb) as result", [JSON.stringify(loaded.map((l) => l.definition))])).rows[0]!.result);
  } catch (err) {
    const dsError = toDsError(err);
    if (!(dsError instanceof DsError)) throw err;
    const file = fileOf(dsError, loaded);
    if (!file) throw dsError;
    throw new DsError(dsError.code, `${file}: ${dsError.message}`, { detail: dsError.detail, hint: dsError.hint, cause: err });
  }
}
