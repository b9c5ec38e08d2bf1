/**
 * The embedded PostgreSQL (only when no DATABASE_URL is given): start, query, stop; reuse
 * of a server another live process owns; recovery from a postmaster orphaned by SIGKILL.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { freePort } from "./support/free-port.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbedded } from "../db/embedded.ts";
import { projectRoot } from "../db/project-root.ts";

const settings = { fsync: "off", synchronous_commit: "off", full_page_writes: "off" };
const dir = mkdtempSync(join(tmpdir(), "ds-embedded-"));
const children: ChildProcess[] = [];

async function query(url: string): Promise<number> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid;
  } finally {
    await client.end();
  }
}

const postmasterPid = () => Number(readFileSync(join(dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);

/** A live process, not a zombie waiting for PID 1 to reap it. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** Another Node process that starts the server in `dir` and owns it until it is killed. */
function startOwner(port: number): Promise<ChildProcess> {
  const module = pathToFileURL(join(projectRoot(), "db", "embedded.ts")).href;
  const script = `
    import { startEmbedded } from ${JSON.stringify(module)};
    const db = await startEmbedded({ dir: ${JSON.stringify(dir)}, port: ${port}, settings: ${JSON.stringify(settings)} });
    process.on("SIGTERM", async () => { await db.stop(); process.exit(0); });
    console.log("started");
    setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("started") && resolve(child));
    child.on("exit", (code) => reject(new Error(`the owner process exited with ${code}`)));
  });
}

const exited = (child: ChildProcess) => new Promise((resolve) => (child.exitCode !== null || child.signalCode ? resolve(null) : child.once("exit", resolve)));

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && !child.signalCode) child.kill("SIGTERM");
  await Promise.all(children.map(exited));
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!!process.env.DATABASE_URL)("the embedded PostgreSQL", () => {
  let port = 0;

  it("starts in a new directory on a free port, answers queries and stops", async () => {
    port = await freePort();
    const db = await startEmbedded({ dir, port, settings });
    expect(db.url).toBe(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`);
    expect(await query(db.url)).toBeGreaterThan(0);
    await db.stop();
    await expect(query(db.url)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  let owner: ChildProcess;

  it("reuses the server of a live owner process without restarting it", async () => {
    owner = await startOwner(port);
    const before = postmasterPid();
    const db = await startEmbedded({ dir, port, settings });
    expect(await query(db.url)).toBeGreaterThan(0);
    expect(postmasterPid()).toBe(before);
    await db.stop(); // not ours to stop
    expect(await query(db.url)).toBeGreaterThan(0);
  });

  it("stops a postmaster orphaned by a SIGKILLed owner, then starts again", async () => {
    const orphan = postmasterPid();
    owner.kill("SIGKILL");
    await exited(owner);
    expect(running(orphan)).toBe(true);
    const db = await startEmbedded({ dir, port, settings });
    try {
      // pg_ctl stop -w returns once the pid file is gone, a moment before the process exits
      for (const deadline = Date.now() + 5000; running(orphan) && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
      expect(running(orphan)).toBe(false);
      expect(postmasterPid()).not.toBe(orphan);
      expect(await query(db.url)).toBeGreaterThan(0);
    } finally {
      await db.stop();
    }
  });

  it("fails clearly, with a non-zero exit, when its port is taken", async () => {
    const blocker = createServer().listen(0, "127.0.0.1");
    await new Promise((r) => blocker.once("listening", r));
    const taken = (blocker.address() as { port: number }).port;
    const other = mkdtempSync(join(tmpdir(), "ds-embedded-taken-"));
    try {
      const child = spawn(process.execPath, [join(projectRoot(), "cli", "main.ts"), "migrate"], {
        env: { ...process.env, DATABASE_URL: "", DS_DATA_DIR: other, DS_PG_PORT: String(taken) },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let err = "";
      child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
      const code = await new Promise((r) => child.once("exit", r));
      expect(code).toBe(1);
      expect(err.trim().split("\n")).toHaveLength(1);
      expect(err).toMatch(new RegExp(`^error: embedded PostgreSQL did not start .* on port ${taken}`));
    } finally {
      blocker.close();
      rmSync(other, { recursive: true, force: true });
    }
  });
});

