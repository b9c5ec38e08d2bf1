/**
 * The committed schema dump (db/schema-dump.txt) is what migrating an empty database gives,
 * on both servers: a schema change without its dump fails here. After a deliberate change,
 * refresh the file with `DS_UPDATE_SCHEMA_DUMP=1 npm test -- test/schema-dump.test.ts` and
 * review its diff.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../db/project-root.ts";
import { dumpSchema } from "../db/schema-dump.ts";
import { useTestDatabase } from "./support/test-database.ts";

const file = join(projectRoot(), "db", "schema-dump.txt");

describe("the schema dump", () => {
  const db = useTestDatabase("schema-dump");

  it("matches db/schema-dump.txt", async () => {
    const dump = await dumpSchema(db.pool);
    if (process.env.DS_UPDATE_SCHEMA_DUMP === "1") writeFileSync(file, dump);
    expect(dump, "the schema changed: refresh db/schema-dump.txt (see this file's header) and review the diff").toBe(readFileSync(file, "utf8"));
  });

  it("lists tables, columns, constraints, indexes, views and functions with their grants", async () => {
    const dump = await dumpSchema(db.pool);
    expect(dump).toMatch(/^table ds_private\.tasks$/m);
    expect(dump).toMatch(/^ {2}column id bigint not null generated always as identity$/m);
    expect(dump).toMatch(/^ {2}CREATE UNIQUE INDEX \w+ ON ds_private\.tasks USING btree \(id\)$/m);
    expect(dump).toMatch(/^view ds\.builds grants .*ds_reader=SELECT/m);
    expect(dump).toMatch(/^function ds\.build\(dataset text, version text, start_at timestamp with time zone, end_at timestamp with time zone\) returns bigint language plpgsql volatile security definer grants .*ds_builder=EXECUTE/m);
    expect(dump).not.toMatch(/dblink/);
  });
});
