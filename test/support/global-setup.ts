/**
 * Starts the database server the tests run against — the embedded PostgreSQL 18, or the
 * server of DATABASE_URL (the machine's PostgreSQL 15 in CI) — and migrates a template
 * database that every test file clones.
 */
import pg from "pg";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbedded, type EmbeddedDatabase } from "../../db/embedded.ts";
import { prepareTemplate, withDatabase } from "./database-url.ts";
import { freePort } from "./free-port.ts";

declare module "vitest" {
  export interface ProvidedContext {
    adminUrl: string;
    templateDb: string;
  }
}

export default async function setup(project: TestProject) {
  let embedded: EmbeddedDatabase | undefined;
  let dir: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  let stopContainer: (() => Promise<unknown>) | undefined;
  if (!adminUrl && process.env.DS_TEST_DOCKER) {
    // opt-in path for machines with Docker: a throwaway postgres:<DS_TEST_DOCKER> container
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
    const image = process.env.DS_TEST_DOCKER === "1" ? "postgres:18" : `postgres:${process.env.DS_TEST_DOCKER}`;
    const container = await new PostgreSqlContainer(image).start();
    adminUrl = container.getConnectionUri();
    stopContainer = () => container.stop();
  }
  if (!adminUrl) {
    dir = mkdtempSync(join(tmpdir(), "ds-test-"));
    embedded = await startEmbedded({
      dir,
      port: await freePort(),
      settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off" },
    });
    adminUrl = embedded.url;
  }
  const templateDb = `ds_test_template_${process.pid}`;
  await prepareTemplate(adminUrl, templateDb);
  project.provide("adminUrl", adminUrl);
  project.provide("templateDb", templateDb);
  return async () => {
    const admin = new pg.Client(adminUrl);
    await admin.connect();
    const { rows } = await admin.query<{ datname: string }>(
      "select datname from pg_database where datname like $1",
      [`ds_test_%`],
    );
    for (const { datname } of rows) {
      if (datname === templateDb || datname.endsWith(`_${process.pid}`) || embedded) {
        await admin.query(`drop database if exists "${datname}" with (force)`).catch(() => {});
      }
    }
    await admin.end();
    await embedded?.stop();
    await stopContainer?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}

export { withDatabase };
