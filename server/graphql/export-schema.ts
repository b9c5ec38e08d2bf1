/**
 * Writes schema.graphql, the committed GraphQL SDL (see print-schema.ts). Run it after a
 * change to the SQL API, the GraphQL plugins or builders/:
 *
 *   node server/graphql/export-schema.ts [--database-url URL] [--out FILE]
 *
 * The server of DATABASE_URL (or the embedded database) gets a scratch database for the
 * duration; nothing else is touched.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { openDatabase } from "../../db/database.ts";
import { exportDsSchema, SCHEMA_FILE } from "./print-schema.ts";

const { values } = parseArgs({ options: { "database-url": { type: "string" }, out: { type: "string" } } });
const database = await openDatabase({ databaseUrl: values["database-url"] });
try {
  const sdl = await exportDsSchema(database.url);
  const out = values.out ?? SCHEMA_FILE;
  writeFileSync(out, sdl);
  console.log(`wrote ${out} (${sdl.split("\n").length} lines)`);
} finally {
  await database.close();
}
