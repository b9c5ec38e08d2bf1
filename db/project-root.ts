/** The directory holding package.json, migrations/ and sql/. */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export function projectRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..");
}
