/**
 * Loading a dataset version's builder from builders/<name>/<version>/, once per thread,
 * with its private environment from <dir>/.env when env-vars = true and the hash of the code
 * it imported (its code version, checked against the registered one: code-check.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseEnv } from "node:util";
import { builderCodeHash } from "../datasets/code-hash.ts";
import { DsError } from "../db/errors.ts";
import type { Entry } from "../builders/builder-types.ts";

export interface BuilderContext {
  dataset: string;
  version: string;
  /** Variables of <dir>/.env (env-vars = true), never put into process.env. */
  env: Readonly<Record<string, string>>;
}

export type BuildFunction = (dependencies: Record<string, Entry[]>, timestamp: Date, context: BuilderContext) => unknown;

export interface LoadedBuilder {
  build: BuildFunction;
  env: Readonly<Record<string, string>>;
  /** The code version of what was imported (datasets/code-hash.ts), hashed just before the import. */
  codeHash: string;
}

const cache = new Map<string, Promise<LoadedBuilder>>();

export function loadBuilder(buildersDir: string, name: string, version: string, file: string, envVars: boolean): Promise<LoadedBuilder> {
  const dir = join(buildersDir, name, version);
  const key = `${dir}\0${file}\0${envVars}`;
  let loaded = cache.get(key);
  if (!loaded) {
    loaded = importBuilder(buildersDir, name, version, file, envVars);
    cache.set(key, loaded);
    loaded.catch(() => cache.delete(key));
  }
  return loaded;
}

async function importBuilder(buildersDir: string, name: string, version: string, file: string, envVars: boolean): Promise<LoadedBuilder> {
  const dir = join(buildersDir, name, version);
  const path = join(dir, file);
  if (!/\.(ts|js|mjs)$/.test(file)) {
    throw new DsError("DS018", `${path}: builders of this kind are not supported by the TypeScript worker`, {
      hint: "Use a builder.ts exporting build(dependencies, timestamp, context).",
    });
  }
  if (!existsSync(path)) {
    throw new DsError("DS018", `${path}: builder file not found`, {
      detail: `expected ${file} next to config.toml`,
      hint: "Check the builder field of config.toml, or the --builders directory of the worker.",
    });
  }
  const codeHash = await builderCodeHash(buildersDir, name, version, file);
  const mod = (await import(pathToFileURL(path).href)) as { build?: unknown };
  if (typeof mod.build !== "function") {
    throw new DsError("DS018", `${path}: expected an exported function build(dependencies, timestamp, context), found ${mod.build === undefined ? "no export named build" : typeof mod.build}`);
  }
  const envFile = join(dir, ".env");
  const env = Object.freeze(envVars && existsSync(envFile) ? (parseEnv(readFileSync(envFile, "utf8")) as Record<string, string>) : {});
  return { build: mod.build as BuildFunction, env, codeHash };
}
