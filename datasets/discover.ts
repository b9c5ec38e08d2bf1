/**
 * Finding dataset versions on disk: every `<dir>/<name>/<version>/config.toml`. Files at
 * the top of the builders directory (shared helpers) and folders starting with "." or "_"
 * are skipped; any other version folder must hold a config.toml.
 *
 * @example
 * discoverConfigs("builders"); // ["builders/mock-ohlc/0.1.0/config.toml", ...]
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { DsError } from "../db/errors.ts";

function subfolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith(".") && !e.name.startsWith("_") && e.name !== "node_modules")
    .map((e) => e.name)
    .sort();
}

/** The config.toml files under buildersDir, sorted by dataset name then version folder. */
export function discoverConfigs(buildersDir: string): string[] {
  if (!existsSync(buildersDir) || !statSync(buildersDir).isDirectory()) {
    throw new DsError("DS019", `builders directory ${buildersDir} not found`, {
      detail: `expected ${buildersDir}/<name>/<version>/config.toml`,
      hint: "Pass --builders DIR or set DS_BUILDERS.",
    });
  }
  const files: string[] = [];
  for (const name of subfolders(buildersDir)) {
    for (const version of subfolders(join(buildersDir, name))) {
      const file = join(buildersDir, name, version, "config.toml");
      if (!existsSync(file)) {
        throw new DsError("DS019", `${join(buildersDir, name, version)}: no config.toml`, {
          detail: `expected ${file}`,
          hint: "Each builders/<name>/<version> folder holds a config.toml and its builder.",
        });
      }
      files.push(file);
    }
  }
  return files;
}
