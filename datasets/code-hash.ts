/**
 * The code version of a builder (Dagster's code versions): SHA-256 over the builder file and
 * every local module it imports, found by esbuild's bundler (its metafile lists the inputs;
 * packages from node_modules are left out: a lockfile pins them). Paths are taken relative
 * to the builders directory, so two machines with the same tree agree wherever it lives.
 * `ds sync` registers the hash; a worker refuses a chunk whose registered hash differs from
 * the code it loaded (DS067).
 *
 * @example
 * await builderCodeHash("builders", "mock-ohlc", "0.1.0", "builder.ts"); // "3f2a…" (64 hex digits)
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { build } from "esbuild";

/** Builders whose imports are followed; any other file (builder.sql) is hashed alone. */
const bundled = /\.(ts|mts|js|mjs)$/;

/** The sorted files (relative to buildersDir) that make up a builder's code. */
async function codeFiles(buildersDir: string, entry: string): Promise<string[]> {
  if (!bundled.test(entry)) return [entry];
  const result = await build({
    entryPoints: [entry], absWorkingDir: resolve(buildersDir), bundle: true, write: false, metafile: true,
    packages: "external", platform: "node", format: "esm", logLevel: "silent",
  });
  return Object.keys(result.metafile.inputs).filter((file) => !file.includes("node_modules/")).sort();
}

/** SHA-256 (hex) of builders/<name>/<version>/<file> and the local modules it imports. */
export async function builderCodeHash(buildersDir: string, name: string, version: string, file: string): Promise<string> {
  const entry = relative(resolve(buildersDir), resolve(buildersDir, name, version, file)).split("\\").join("/");
  const hash = createHash("sha256");
  for (const path of await codeFiles(buildersDir, entry)) {
    hash.update(path).update("\0").update(await readFile(join(buildersDir, path))).update("\0");
  }
  return hash.digest("hex");
}
