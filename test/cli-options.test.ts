/**
 * Every command-line option is validated through the real `ds` command: a bad number, an
 * unknown option, a bad $PORT (DS038), and a database URL that does not parse, is refused,
 * names an unknown host or database, or fails authentication (DS039) each print one line
 * with the code and exit 1 (usage errors, DS038: exit 2).
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../db/project-root.ts";
import { freePort } from "./support/free-port.ts";
import { useTestDatabase } from "./support/test-database.ts";
import { runDs } from "./support/run-ds.ts";

const root = projectRoot();

function ds(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runDs([...args], env);
}

/** One line, with the code, and exit 1 (2 for a usage error, DS038). */
async function expectOneLine(args: string[], code: string, message: RegExp, env: Record<string, string> = {}) {
  const result = await ds(args, env);
  expect({ code: result.code, stdout: result.stdout }, result.stderr).toEqual({ code: code === "DS038" ? 2 : 1, stdout: "" });
  expect(result.stderr).toMatch(new RegExp(`^error ${code}: [^\\n]+\\n$`));
  expect(result.stderr).toMatch(message);
}

describe("command-line options (DS038)", () => {
  // a refused URL: validation must come first, before any connection is tried
  const nowhere = ["--database-url", "postgres://postgres@127.0.0.1:1/none"];

  it.each([
    [["worker", "--concurrency", "abc"], /--concurrency "abc" is not an integer from 1 to 256/],
    [["worker", "--concurrency", "0"], /--concurrency "0" is not an integer from 1 to 256/],
    [["worker", "--concurrency=-3"], /--concurrency "-3" is not an integer/],
    [["worker", "--concurrency", "1.5"], /--concurrency "1\.5" is not an integer/],
    [["worker", "--concurrency", "100000"], /--concurrency "100000" is not an integer from 1 to 256/],
    [["up", "--concurrency", "NaN"], /ds up: --concurrency "NaN"/],
    [["serve", "--port", "abc"], /ds serve: --port "abc" is not an integer from 0 to 65535/],
    [["serve", "--port", "65536"], /--port "65536" is not an integer from 0 to 65535/],
    [["serve", "--port", "65536"], /--port "65536"/],
    [["up", "--port", "-1"], /ds up: Option '--port' argument is ambiguous/],
    [["serve", "--host", "a b"], /--host "a b" is not a host name or IP address/],
    [["serve", "--frobnicate"], /ds serve: Unknown option '--frobnicate'/],
    [["worker", "--concurrency"], /ds worker: Option '--concurrency[^']*' argument (missing|is ambiguous)/],
    [["status", "extra"], /ds status: Unexpected argument 'extra'|takes no arguments/],
    [["data", "t-root", "0.1.0", "2024-01-01", "2024-01-02", "--format", "xml"], /ds data: --format "xml" is not one of table, csv, json, parquet/],
    [["delete", "t-root", "0.1.0", "2024-01-01", "2024-01-02", "--key", "{x"], /--key \{x is not JSON/],
    [["import", "t-root", "0.1.0", "no-such-file.csv"], /file no-such-file\.csv not found/],
  ])("ds %j: one DS038 line", async (args, message) => {
    await expectOneLine([...args, ...nowhere], "DS038", message);
  });

  it("checks $PORT like --port, and --port wins over it", async () => {
    await expectOneLine(["serve", ...nowhere], "DS038", /ds serve: \$PORT "http" is not an integer from 0 to 65535/, { PORT: "http" });
    // a valid --port is taken before $PORT is looked at: the error is then the connection's
    await expectOneLine(["serve", "--port", "4000", ...nowhere], "DS039", /connection refused/, { PORT: "http" });
  });
});

describe("database URLs (DS039)", () => {
  const db = useTestDatabase("cli-options");

  it.each([
    ["not a url", /database URL "not a url" is not a URL/],
    ["http://127.0.0.1/x", /does not start with postgres:\/\//],
    ["postgres:///nohost", /names no host/],
  ])("refuses %s before connecting", async (url, message) => {
    await expectOneLine(["status", "--database-url", url], "DS039", message);
  });

  it("says a refused connection is refused, naming host and port", async () => {
    const port = await freePort();
    await expectOneLine(["status", "--database-url", `postgres://postgres@127.0.0.1:${port}/x`], "DS039",
      new RegExp(`cannot connect to postgres://postgres@127\\.0\\.0\\.1:${port}/x: connection refused — hint: Is PostgreSQL running and listening on 127\\.0\\.0\\.1:${port}\\?`));
  });

  it("says an unknown host does not resolve", async () => {
    await expectOneLine(["worker", "--database-url", "postgres://postgres@no-such-host.invalid/x"], "DS039", /unknown host — hint: The host no-such-host\.invalid does not resolve/);
  });

  it("says a database does not exist, from $DATABASE_URL too", async () => {
    const url = new URL(db.url);
    url.pathname = "/ds_no_such_database";
    await expectOneLine(["status"], "DS039", /database "ds_no_such_database" does not exist — hint: Create it \(createdb ds_no_such_database\)/, { DATABASE_URL: url.toString() });
  });

  it("says a wrong password fails authentication, without printing it", async (ctx) => {
    const role = `ds_test_pw_${randomBytes(4).toString("hex")}`; // roles are shared by the whole server
    await db.pool.query(`create role ${role} login password 'right'`);
    try {
      const url = new URL(db.url);
      url.username = role;
      url.password = "wrong-secret";
      // a server that trusts every TCP connection (the machine's PostgreSQL 15) cannot fail this
      const probe = new pg.Client(url.toString());
      const trusted = await probe.connect().then(() => true, () => false);
      await probe.end().catch(() => {});
      if (trusted) return ctx.skip("the server at DATABASE_URL trusts every connection: no password is ever wrong there");
      const result = await ds(["status", "--database-url", url.toString()]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^error DS039: cannot connect to postgres://${role}:\\*\\*\\*@[^\\n]+: password authentication failed — hint: Check the user and password[^\\n]+\\n$`));
      expect(result.stderr).not.toContain("wrong-secret");
    } finally {
      await db.pool.query(`drop role ${role}`);
    }
  });

  it("still serves a good URL", async () => {
    const { code, stderr } = await ds(["status", "--database-url", db.url]);
    expect(code, stderr).toBe(0);
  });
});
