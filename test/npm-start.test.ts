/** The quick start: `npm start` brings up the embedded database, worker and server. */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../db/project-root.ts";
import { freePort } from "./support/free-port.ts";

describe.skipIf(!!process.env.DATABASE_URL)("npm start", () => {
  it("starts the embedded PostgreSQL, migrates, syncs, runs a worker and the server, and stops on Ctrl-C", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ds-start-"));
    const child = spawn("npm", ["start", "--", "--port", "0"], {
      cwd: projectRoot(),
      env: { ...process.env, DS_DATA_DIR: dir, DS_PG_PORT: String(await freePort()), API_KEYS: "" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "datastream is up" in 90 s:\n${out}`)), 90_000);
        const check = () => {
          if (out.includes("Ctrl-C stops it.")) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout!.on("data", check);
        child.once("exit", (code) => reject(new Error(`npm start exited with ${code}:\n${out}`)));
      });
      expect(out).toMatch(/synced 5 calendar\(s\), \d+ dataset version\(s\)/);
      const graphql = /GraphQL: +(http:\/\/\S+)\/graphql/.exec(out)![1]!;
      const database = /database: (postgres:\/\/\S+)/.exec(out)![1]!;
      expect(database).toMatch(/^postgres:\/\/postgres:postgres@127\.0\.0\.1:\d+\/datastream$/);
      const health = await fetch(`${graphql}/health`);
      expect(health.status).toBe(200);
      const body = (await health.json()) as { checks: { workers: { live: number } } };
      expect(body.checks.workers.live).toBe(1);
      const gql = await fetch(`${graphql}/graphql`, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `{ datasets(first: 1) { totalCount } }` }),
      });
      expect(((await gql.json()) as { data: { datasets: { totalCount: number } } }).data.datasets.totalCount).toBeGreaterThanOrEqual(6);
      // Ctrl-C in a terminal: SIGINT to the whole foreground process group (npm, sh, node);
      // the postmaster runs in a session of its own and is stopped by ds after the worker
      process.kill(-child.pid!, "SIGINT");
      await new Promise((resolve) => child.once("exit", resolve));
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(out).toContain("stopping: waiting for running chunks to finish");
      expect(out).not.toMatch(/terminating connection due to administrator command/);
      expect(existsSync(join(dir, "data", "postmaster.pid")), out).toBe(false);
      expect(readFileSync(join(dir, "data", "PG_VERSION"), "utf8").trim()).toBe("18");
    } finally {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
