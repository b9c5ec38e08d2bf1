/**
 * `builders/<name>/<version>/config.toml`: parsed with smol-toml, shape-checked with zod,
 * normalized into the JSON definition that `ds.register_datasets` takes. Node checks the
 * file (TOML syntax, field shapes, unknown fields, name and version against the folders,
 * the builder file, whose text it reads when it is a .sql builder); SQL checks the meaning
 * (semver, calendar, types, names, graph, the builder SQL, the transform).
 * Every error is a DsError DS019 whose message names the file and the field.
 *
 * @example
 * const def = loadDatasetConfig("builders/mock-ohlc/0.1.0/config.toml");
 * // { name: "mock-ohlc", version: "0.1.0", calendar: "everyday", granularity: "1d", ... }
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parseCronItem } from "graphile-worker";
import { parse, TomlDate, TomlError } from "smol-toml";
import * as z from "zod";
import { DsError } from "../db/errors.ts";

/** One schema field, in declaration order. */
export interface FieldDefinition {
  name: string;
  type: string;
  nullable: boolean;
}

/**
 * A dependency; lookback "5d" is a wall-clock window, 5 the 5 most recent points. window
 * "point" (null: the default) reads up to and including each point T, "bucket" the bucket
 * [T, T + step) T labels; SQL checks the value (DS010, sql/registry/lookback.sql).
 */
export interface DependencyDefinition {
  name: string;
  version: string;
  lookback: string | number | null;
  window: string | null;
}

/** The normalized definition sent to `ds.register_datasets`. */
export interface DatasetDefinition {
  name: string;
  version: string;
  description: string | null;
  /** The builder file; null with a [transform] (registration stores "transform:<kind>"). */
  builder: string | null;
  /** SHA-256 of the builder file and its local imports (datasets/code-hash.ts), added by ds sync. */
  code_hash?: string;
  /** The text of a .sql builder, read by loadDatasetConfig (a SQL builder, docs/sql-builders.md). */
  builder_sql?: string;
  /** The [transform] table: { kind, ...parameters } — a built-in transform instead of a builder. */
  transform?: TransformDefinition;
  /** The [write] table: the dataset is written from outside (ds.write, ds import), builder null. */
  write?: WriteDefinition;
  /** The [refresh] table of a derived dataset. */
  refresh?: RefreshDefinition;
  /** The [source] table: fetched from an exchange (ccxt) or a vendor (http), builder null (README "Sources"). */
  source?: SourceDefinition;
  /** The [storage] table: partition size and retention, durations checked by SQL (docs/storage.md). */
  storage?: StorageDefinition;
  calendar: string;
  granularity: string;
  start_date: string;
  schema: FieldDefinition[];
  key: string[];
  chunk: number | null;
  max_attempts: number | null;
  /** Deadline of the builder over one chunk ("30s"); null: the default, 5 minutes. */
  timeout: string | null;
  env_vars: boolean;
  tags: Record<string, unknown>;
  dependencies: DependencyDefinition[];
}

/** A built-in transform: `[transform] kind = "copy" ...` (docs/sql-builders.md). */
export type TransformDefinition = { kind: string } & Record<string, unknown>;

/** `[write] conflict = ...`: what a write does with a row whose (ts, key) is stored (docs/writes.md). */
export interface WriteDefinition {
  conflict: "last-write-wins" | "merge-high-low" | "reject";
}

/**
 * `[source] kind = "ccxt" | "http" ...`, its kebab-case fields in snake_case (api-url: api_url);
 * SQL checks the fields of each kind (DS059, sql/registry/resolve_source.sql).
 */
export type SourceDefinition = { kind: string } & Record<string, unknown>;

/** `[storage]`: the size of a time partition ("1 month"), how long data is kept ("365d") and the age from which partitions are packed ("90d"); null: the default. */
export interface StorageDefinition {
  partition: string | null;
  retention: string | null;
  pack_after: string | null;
}

/** `[refresh]`: rebuild on write, on a cron schedule; per-key invalidation of a builder. */
export interface RefreshDefinition {
  on_write: boolean;
  schedule: string | null;
  /** null: the default (true for a transform, false for a builder). */
  per_key: boolean | null;
}

const fieldSpec = z.union([z.string(), z.strictObject({ type: z.string(), nullable: z.boolean().optional() })]);
const dependencySpec = z.union([
  z.string(),
  z.strictObject({ version: z.string(), lookback: z.union([z.string(), z.number()]).optional(), window: z.string().optional() }),
]);
const configSpec = z.strictObject({
  name: z.string().min(1),
  version: z.string().min(1),
  description: z.string().optional(),
  builder: z.string().optional(),
  transform: z.looseObject({ kind: z.string().min(1) }).optional(),
  calendar: z.string(),
  granularity: z.string(),
  "start-date": z.union([z.date(), z.string()]),
  schema: z.record(z.string(), fieldSpec),
  key: z.array(z.string()).default([]),
  dependencies: z.record(z.string(), dependencySpec).default({}),
  "env-vars": z.boolean().default(false),
  chunk: z.number().int().positive().optional(),
  "max-attempts": z.number().int().positive().optional(),
  timeout: z.string().optional(),
  tags: z.record(z.string(), z.json()).default({}),
  write: z.strictObject({ conflict: z.enum(["last-write-wins", "merge-high-low", "reject"]).default("last-write-wins") }).optional(),
  source: z.looseObject({ kind: z.string().min(1) }).optional(),
  refresh: z.strictObject({ "on-write": z.boolean().default(false), schedule: z.string().optional(), "per-key": z.boolean().optional() }).optional(),
  storage: z.strictObject({ partition: z.string().optional(), retention: z.string().optional(), "pack-after": z.string().optional() }).optional(),
});

function configError(file: string, field: string | null, message: string, hint?: string): DsError {
  return new DsError("DS019", `${file}: ${field ? `field "${field}": ` : ""}${message}`, {
    detail: field ? `file ${file}, field ${field}` : `file ${file}`,
    hint: hint ?? "Fix config.toml; see the README for its fields.",
  });
}

function issueMessage(file: string, issue: z.core.$ZodIssue): DsError {
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    const field = [path, issue.keys[0]].filter(Boolean).join(".");
    return configError(file, field, `unknown field "${field}"`, "Remove it or check its spelling.");
  }
  return configError(file, path || null, issue.message);
}

/** "2020-01-01", a TOML date or date-time → ISO string in UTC (local times are UTC). */
function startDate(file: string, value: Date | string): string {
  const date = typeof value === "string" ? new TomlDate(value.trim()) : value;
  const isTimeOnly = date instanceof TomlDate && date.isTime();
  if (Number.isNaN(date.getTime()) || isTimeOnly) {
    throw configError(file, "start-date", `invalid date ${JSON.stringify(String(value))}`, "Write for example start-date = 2020-01-01.");
  }
  return new Date(date.getTime()).toISOString();
}

function schemaField(name: string, spec: z.infer<typeof fieldSpec>): FieldDefinition {
  const raw = typeof spec === "string" ? spec : spec.type;
  const optional = raw.endsWith("?");
  const nullable = optional || (typeof spec === "object" && spec.nullable === true);
  return { name, type: optional ? raw.slice(0, -1) : raw, nullable };
}

function dependency(name: string, spec: z.infer<typeof dependencySpec>): DependencyDefinition {
  if (typeof spec === "string") return { name, version: spec, lookback: null, window: null };
  return { name, version: spec.version, lookback: spec.lookback ?? null, window: spec.window ?? null };
}

/** Parse the text of one config.toml (file is only used in error messages). */
export function parseDatasetConfig(text: string, file: string): DatasetDefinition {
  let toml: unknown;
  try {
    toml = parse(text);
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const where = `${file}:${err.line}:${err.column}`;
    throw new DsError("DS019", `${where}: invalid TOML: ${err.message.split("\n")[0]}`, {
      detail: `file ${file}, line ${err.line}, column ${err.column}`,
      hint: "Fix the TOML syntax.",
    });
  }
  const result = configSpec.safeParse(toml);
  if (!result.success) {
    const errors = result.error.issues.map((issue) => issueMessage(file, issue));
    if (errors.length === 1) throw errors[0]!;
    throw new DsError("DS019", errors.map((e) => e.message).join("; "), { detail: `file ${file}`, hint: errors[0]!.hint });
  }
  const c = result.data;
  if (c.write && (c.builder !== undefined || c.transform)) {
    throw configError(file, c.builder !== undefined ? "builder" : "transform", "a dataset with [write] is written from outside and has no builder",
      "Remove the builder field and [transform] (or [write]).");
  }
  if (c.refresh?.schedule !== undefined) checkSchedule(file, c.refresh.schedule);
  if (c.transform && c.builder !== undefined && c.builder !== "builder.ts") {
    throw configError(file, "builder", `builder "${c.builder}" and [transform] are exclusive`,
      "A transform generates its SQL: remove the builder field (or [transform]).");
  }
  return {
    name: c.name,
    version: c.version,
    description: c.description ?? null,
    // with [source], a builder given is sent as is: SQL refuses it (DS059)
    builder: c.transform || c.write ? null : c.source ? (c.builder ?? null) : (c.builder ?? "builder.ts"),
    ...(c.transform ? { transform: jsonValue(file, c.transform) as TransformDefinition } : {}),
    ...(c.write ? { write: { conflict: c.write.conflict } } : {}),
    ...(c.source ? { source: snakeKeys(jsonValue(file, c.source) as Record<string, unknown>) as SourceDefinition } : {}),
    ...(c.refresh ? { refresh: { on_write: c.refresh["on-write"], schedule: c.refresh.schedule ?? null, per_key: c.refresh["per-key"] ?? null } } : {}),
    ...(c.storage ? { storage: { partition: c.storage.partition ?? null, retention: c.storage.retention ?? null, pack_after: c.storage["pack-after"] ?? null } } : {}),
    calendar: c.calendar,
    granularity: c.granularity,
    start_date: startDate(file, c["start-date"]),
    schema: Object.entries(c.schema).map(([name, spec]) => schemaField(name, spec)),
    key: c.key,
    chunk: c.chunk ?? null,
    max_attempts: c["max-attempts"] ?? null,
    timeout: c.timeout ?? null,
    env_vars: c["env-vars"],
    tags: c.tags as Record<string, unknown>,
    dependencies: Object.entries(c.dependencies).map(([name, spec]) => dependency(name, spec)),
  };
}

/** A cron expression of `[refresh] schedule`, checked by graphile-worker's own parser. */
function checkSchedule(file: string, schedule: string): void {
  try {
    parseCronItem({ task: "ds_refresh", match: schedule, identifier: "check" });
  } catch (err) {
    throw configError(file, "refresh.schedule", `invalid cron expression ${JSON.stringify(schedule)}: ${(err as Error).message}`,
      'Write five fields: minute hour day-of-month month day-of-week, for example schedule = "*/5 * * * *".');
  }
}

/** [source]'s field names as the definition has them: api-url → api_url (its values unchanged). */
function snakeKeys(table: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(table).map(([k, v]) => [k.replaceAll("-", "_"), v]));
}

/** TOML values as JSON: dates and times become their TOML text ("2024-01-02", ISO date-times) — a transform's parameters. */
function jsonValue(file: string, value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => jsonValue(file, v));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonValue(file, v)]));
  }
  if (typeof value === "number" && !Number.isFinite(value)) throw configError(file, "transform", `${value} is not a JSON number`);
  return value;
}

/**
 * Read and parse `<dir>/<name>/<version>/config.toml`, checking that name and version match
 * the folders and that the builder file exists; a .sql builder's text is read into
 * builder_sql (registered with the definition: the database runs it).
 */
export function loadDatasetConfig(file: string): DatasetDefinition {
  const def = parseDatasetConfig(readFileSync(file, "utf8"), file);
  const versionDir = dirname(file);
  const folderVersion = basename(versionDir);
  const folderName = basename(dirname(versionDir));
  if (def.name !== folderName) {
    throw configError(file, "name", `name "${def.name}" does not match the folder "${folderName}"`,
      "The folder builders/<name>/<version> and the fields name and version must agree.");
  }
  if (def.version !== folderVersion) {
    throw configError(file, "version", `version "${def.version}" does not match the folder "${folderVersion}"`,
      "The folder builders/<name>/<version> and the fields name and version must agree.");
  }
  if (def.builder === null || def.source) return def; // a [transform], [write] or [source]: no builder file
  // the original builder server's configs name a Python builder: its TypeScript rewrite
  // (same stem, .ts) next to config.toml runs instead, so those configs work unchanged
  const rewrite = def.builder.replace(/\.py$/, ".ts");
  if (rewrite !== def.builder && existsSync(join(versionDir, rewrite))) def.builder = rewrite;
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(def.builder) || !existsSync(join(versionDir, def.builder))) {
    throw configError(file, "builder", `builder file "${def.builder}" not found in ${versionDir}`,
      "Add builder.ts next to config.toml, or set builder to the file that exports build() (or to builder.sql).");
  }
  if (def.builder.endsWith(".sql")) def.builder_sql = readFileSync(join(versionDir, def.builder), "utf8");
  return def;
}
