/**
 * The committed GraphQL SDL (schema.graphql) matches the schema the server builds for a
 * fresh database with the repository's builders/ registered.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../db/project-root.ts";
import { syncDatasets } from "../datasets/sync.ts";
import { printDsSchema, SCHEMA_FILE, UPDATE_COMMAND } from "../server/graphql/print-schema.ts";
import { useTestDatabase } from "./support/test-database.ts";

/** The first lines where two texts differ, with a little context. */
function firstDifference(committed: string, actual: string): string {
  const a = committed.split("\n");
  const b = actual.split("\n");
  const i = a.findIndex((line, n) => line !== b[n]);
  const at = i === -1 ? a.length : i;
  const show = (lines: string[]) => lines.slice(Math.max(0, at - 2), at + 3).map((l, k) => `  ${Math.max(0, at - 2) + k + 1}: ${l}`).join("\n");
  return `first difference at line ${at + 1}\ncommitted:\n${show(a)}\ngenerated:\n${show(b)}`;
}

describe("GraphQL SDL", () => {
  const db = useTestDatabase("graphql-sdl");
  beforeAll(async () => {
    await syncDatasets(db.pool, join(projectRoot(), "builders"));
  });

  it("schema.graphql is up to date (no drift)", async () => {
    expect(existsSync(SCHEMA_FILE), `${SCHEMA_FILE} is missing; generate it with: ${UPDATE_COMMAND}`).toBe(true);
    const committed = readFileSync(SCHEMA_FILE, "utf8");
    const actual = await printDsSchema(db.url);
    if (actual !== committed) {
      expect.fail(`schema.graphql is out of date with the GraphQL schema.\n${firstDifference(committed, actual)}\n` +
        `If the change is intended, regenerate it with: ${UPDATE_COMMAND}`);
    }
  });

  it("exposes the documented entry points", () => {
    const sdl = readFileSync(SCHEMA_FILE, "utf8");
    for (const field of ["datasets(", "dataset(name: String!, version: String!)", "builds(", "build(id: BigInt!)", "calendars(",
      "data(", "missing(", "calendarPoints(", "mockOhlcV0_1_0(", "mockOhlcV0_1_0Rows(", "buildProgress(id: BigInt!)", "newRows(dataset: String!, keys: JSON, version: String)",
      "cancel(id: BigInt!)", "delete(dataset: String!", "write(dataset: String!, rows: JSON!, version: String!)"]) {
      expect(sdl).toContain(`  ${field}`);
    }
    // hidden: registration, the worker API, ds.wait, writes to the data tables
    for (const hidden of ["registerDatasets", "startTask", "completeTask", "  wait(", "createMockOhlc", "updateMockOhlc"]) {
      expect(sdl).not.toContain(hidden);
    }
  });
});
