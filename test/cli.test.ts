/**
 * The `ds` command run as child processes against a fresh, empty database: migrate, sync,
 * a worker process, build --wait, data in every format, delete, status, calendars, and how
 * user errors are printed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { projectRoot } from "../db/project-root.ts";
import { databaseUrl, dropDatabase, withDatabase } from "./support/database-url.ts";
import { runCommand } from "./support/run-ds.ts";

const root = projectRoot();
const builders = "test/fixtures/builders";
const adminUrl = inject("adminUrl");
let url = "";
let worker: ChildProcess | undefined;

/** Run a command from the project root; resolves when it exits. */
const run = (command: string, args: string[]) => runCommand(command, args);

const ds = (...args: string[]) => run(process.execPath, ["cli/main.ts", ...args]);
/** A verb on the test database with the fixture builders. */
const dsDb = (...args: string[]) => ds(...args, "--database-url", url, "--builders", builders);

function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["cli/main.ts", "worker", "--database-url", url, "--builders", builders], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("running") && resolve(child));
    child.on("exit", (code) => reject(new Error(`ds worker exited with ${code}`)));
  });
}

beforeAll(async () => {
  const name = `ds_test_cli_${randomBytes(4).toString("hex")}_${process.ppid}`;
  await withDatabase(adminUrl, (c) => c.query(`create database "${name}"`));
  url = databaseUrl(adminUrl, name);
});

afterAll(async () => {
  if (worker?.exitCode === null) worker.kill("SIGKILL");
  if (url) await dropDatabase(adminUrl, url);
});

const verbNames = ["up", "migrate", "sync", "worker", "build", "data", "import", "delete", "pack", "unpack", "status", "calendars"];

describe("ds help and usage errors", () => {
  it("ds --help lists every verb", async () => {
    const { code, stdout } = await ds("--help");
    expect(code).toBe(0);
    for (const verb of verbNames) expect(stdout).toMatch(new RegExp(`^  ${verb} `, "m"));
  });

  it.each(verbNames)("ds %s --help prints its usage", async (verb) => {
    const { code, stdout, stderr } = await ds(verb, "--help");
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toMatch(new RegExp(`^usage: ds ${verb}`));
  });

  it("npx ds --help runs the project's own bin", async () => {
    const { code, stdout } = await run("npx", ["ds", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: ds <verb>/);
  });

  it("ds alone prints the usage on stdout and exits 0", async () => {
    const { code, stdout, stderr } = await ds();
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toMatch(/^usage: ds <verb>/);
  });

  it("ds --version prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const { code, stdout, stderr } = await ds(flag);
      expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: `ds (datastream) ${version}\n`, stderr: "" });
    }
  });

  it("rejects an unknown verb with the error line, then the usage, on stderr, exit 2", async () => {
    const { code, stdout, stderr } = await ds("frobnicate");
    expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
    const [first, blank, usage] = stderr.split("\n");
    expect(first).toBe('error DS038: unknown verb "frobnicate" — hint: run ds --help for the list');
    expect({ blank, usage }).toEqual({ blank: "", usage: "usage: ds <verb> [options]" });
  });

  it("ds --help loads no verb's code, nor pg", async () => {
    // what is loaded, not how long it takes (docs/cli.md has the timings): a load hook lists the modules
    const hook = 'import { registerHooks } from "node:module"; const seen = [];' +
      ' registerHooks({ load(url, context, next) { seen.push(url); return next(url, context); } });' +
      ' process.on("exit", () => process.stderr.write(JSON.stringify(seen)));';
    const { code, stdout, stderr } = await run(process.execPath, ["--import", `data:text/javascript,${encodeURIComponent(hook)}`, "cli/main.ts", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: ds <verb>/);
    const loaded = (JSON.parse(stderr) as string[]).filter((u) => u.startsWith("file:"));
    expect(loaded.filter((u) => /\/cli\/commands\/|node_modules|\/server\/|\/worker\//.test(u))).toEqual([]);
    expect(loaded.length).toBeLessThanOrEqual(4);
  });

  it("rejects a malformed timestamp with one DS012 line", async () => {
    const { code, stderr } = await ds("data", "t-root", "0.1.0", "2024-01-01", "yesterday", "--database-url", "postgres://127.0.0.1:1/none");
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error DS012: END "yesterday" is not a timestamp — hint: .+\n$/);
  });
});

describe("ds against a fresh database", () => {
  it("migrate applies every migration, then nothing", async () => {
    const first = await dsDb("migrate");
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^migrated: [1-9]\d* migration\(s\) applied, sql\/ re-applied\n$/);
    const second = await dsDb("migrate");
    expect(second.stdout).toBe("migrated: 0 migration(s) applied\n");
  });

  it("sync registers calendars and datasets, and a second run reports them unchanged", async () => {
    const counts = (out: string) => out.match(/^synced (\d+) calendar\(s\), (\d+) dataset version\(s\) registered or updated, (\d+) unchanged\n$/)!.slice(1).map(Number);
    const [calendars, registered, unchanged] = counts((await dsDb("sync")).stdout);
    expect(calendars).toBe(5);
    expect(registered).toBeGreaterThan(10);
    expect(unchanged).toBe(0);
    expect(counts((await dsDb("sync")).stdout)).toEqual([calendars, 0, registered]);
  });

  it("build --wait follows the build to success while a worker process runs", async () => {
    worker = await startWorker();
    const { code, stdout, stderr } = await dsDb("build", "t-root", "0.1.0", "2024-01-01", "2024-01-05", "--wait");
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^build \d+ succeeded\n$/);
  });

  const days = [1, 2, 3, 4, 5].map((d) => [`2024-01-0${d}T00:00:00Z`, d] as const);

  it("data prints an aligned table by default", async () => {
    const { code, stdout } = await dsDb("data", "t-root", "0.1.0", "2024-01-01", "2024-01-05");
    expect(code).toBe(0);
    expect(stdout).toBe(["ts                    value", "--------------------  -----", ...days.map(([ts, v]) => `${ts}      ${v}`), "(5 rows)", ""].join("\n"));
  });

  it("data --format csv prints a header and one line per row", async () => {
    const { stdout } = await dsDb("data", "t-root", "0.1.0", "2024-01-01", "2024-01-05", "--format", "csv");
    expect(stdout).toBe(["ts,value", ...days.map(([ts, v]) => `${ts},${v}`), ""].join("\n"));
  });

  it("data --format json prints one array of {ts, ...fields}", async () => {
    const { stdout } = await dsDb("data", "t-root", "0.1.0", "2024-01-01", "2024-01-05", "--format", "json");
    expect(JSON.parse(stdout)).toEqual(days.map(([ts, value]) => ({ ts, value })));
    expect(stdout.split("\n")[1]).toBe('{"ts":"2024-01-01T00:00:00Z","value":1},');
  });

  it("delete prints the count and the first and last deleted points", async () => {
    const { code, stdout } = await dsDb("delete", "t-root", "0.1.0", "2024-01-04", "2024-01-09");
    expect(code).toBe(0);
    expect(stdout).toBe("deleted 2 row(s) from 2024-01-04T00:00:00Z to 2024-01-05T00:00:00Z\n");
    expect((await dsDb("delete", "t-root", "0.1.0", "2024-01-04", "2024-01-09")).stdout).toBe("deleted 0 row(s)\n");
  });

  it("data --build builds the deleted points again before printing", async () => {
    const csv = (await dsDb("data", "t-root", "0.1.0", "2024-01-01", "2024-01-05", "--format", "csv")).stdout;
    expect(csv.trim().split("\n")).toHaveLength(1 + 3);
    const { code, stdout } = await dsDb("data", "t-root", "0.1.0", "2024-01-01", "2024-01-05", "--format", "csv", "--build");
    expect(code).toBe(0);
    expect(stdout).toBe(["ts,value", ...days.map(([ts, v]) => `${ts},${v}`), ""].join("\n"));
  });

  it("a worker stopped with SIGTERM exits 0", async () => {
    const exited = new Promise<number | null>((resolve) => worker!.once("exit", resolve));
    worker!.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("status lists datasets with their coverage and the queued builds", async () => {
    expect((await dsDb("build", "t-child", "0.1.0", "2024-02-01", "2024-02-03")).stdout).toMatch(/^build \d+ queued\n$/);
    const { code, stdout } = await dsDb("status");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^t-root\s+0\.1\.0\s+everyday\s+1d\s+1\s+2024-01-01T00:00:00Z\s+2024-01-05T00:00:00Z\s+[0-9a-f]{8}$/m);
    expect(stdout).toMatch(/^t-child\s+0\.1\.0\s+everyday\s+1d\s+0\s+[0-9a-f]{8}$/m);
    expect(stdout).toMatch(/^queued or running builds\n/m);
    expect(stdout).toMatch(/^\s*\d+\s+t-child\s+0\.1\.0\s+2024-02-01T00:00:00Z\s+2024-02-03T00:00:00Z\s+queued\s+0\.0%\s+0\/\d+$/m);
  });

  it("calendars lists the calendars and prints the points of one", async () => {
    const list = await dsDb("calendars");
    expect(list.stdout).toMatch(/^nyse-daily\s+daily\s+NYSE trading days/m);
    const points = await dsDb("calendars", "nyse-daily", "2024-07-01", "2024-07-08");
    expect(points.stdout).toBe(["01", "02", "03", "05", "08"].map((d) => `2024-07-${d}T00:00:00Z\n`).join(""));
    const minutes = await dsDb("calendars", "nyse", "2024-07-03T16:58:00Z", "2024-07-03T17:01:00Z", "--granularity", "1m");
    expect(minutes.stdout).toBe("2024-07-03T16:58:00Z\n2024-07-03T16:59:00Z\n"); // early close at 13:00 New York
  });

  it("--json prints one JSON document for status, build, delete, import and calendars", async () => {
    const status = JSON.parse((await dsDb("status", "--json")).stdout);
    expect(status.datasets).toContainEqual({ name: "t-root", version: "0.1.0", calendar: "everyday", granularity: "1d", ranges: 1,
      first: "2024-01-01T00:00:00Z", last: "2024-01-05T00:00:00Z", code_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      code_stale: false, code_stale_first: null, code_stale_last: null });
    const queued = status.builds.find((b: { dataset: string }) => b.dataset === "t-child");
    expect(queued).toMatchObject({ version: "0.1.0", start: "2024-02-01T00:00:00Z", end: "2024-02-03T00:00:00Z", state: "queued", progress: 0, points_built: 0 });
    expect(typeof queued.id).toBe("number");

    const built = await dsDb("build", "t-child", "0.1.0", "2024-03-01", "2024-03-02", "--json");
    expect(JSON.parse(built.stdout)).toEqual({ build: expect.any(Number), state: "queued", error: null });

    expect(JSON.parse((await dsDb("delete", "t-root", "0.1.0", "2024-01-02", "2024-01-02", "--json")).stdout))
      .toEqual({ deleted: 1, first: "2024-01-02T00:00:00Z", last: "2024-01-02T00:00:00Z" });
    expect(JSON.parse((await dsDb("delete", "t-root", "0.1.0", "2024-01-02", "2024-01-02", "--json")).stdout))
      .toEqual({ deleted: 0, first: null, last: null });

    const dir = mkdtempSync(join(tmpdir(), "ds-cli-json-"));
    try {
      const file = join(dir, "bars.csv");
      writeFileSync(file, "ts,ticker,open,high,low,close,volume\n2024-03-01T14:30:00Z,MSFT,1,2,0.5,1.5,100\n2024-03-01T14:31:00Z,MSFT,1,2,0.5,1.5,100\n");
      const imported = await dsDb("import", "w-bars", "0.1.0", file, "--json");
      expect(JSON.parse(imported.stdout), imported.stderr).toEqual({ imported: 2, first: "2024-03-01T14:30:00Z", last: "2024-03-01T14:31:00Z" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const calendars = JSON.parse((await dsDb("calendars", "--json")).stdout) as { name: string; kind: string }[];
    expect(calendars).toContainEqual(expect.objectContaining({ name: "nyse-daily", kind: "daily" }));
    expect(JSON.parse((await dsDb("calendars", "nyse-daily", "2024-07-03", "2024-07-05", "--json")).stdout))
      .toEqual(["2024-07-03T00:00:00Z", "2024-07-05T00:00:00Z"]);
  });

  it("prints an unknown dataset as one DS001 line without a stack trace", async () => {
    const { code, stdout, stderr } = await dsDb("data", "no-such-dataset", "0.1.0", "2024-01-01", "2024-01-05");
    expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
    expect(stderr).toMatch(/^error DS001: [^\n]+\n$/);
  });
});
