/**
 * API keys: `ds api-key create|list|revoke` as child processes against a real database,
 * the keys effective at once on a running server (REST and GraphQL, no restart), API_KEYS
 * beside them, and `ds api-key entry` for the environment variable.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApiKeys } from "../server/api-keys.ts";
import { startServer } from "../server/start-server.ts";
import type { RunningServer } from "../server/http-server.ts";
import { fixtureBuilders } from "./support/worker-fixture.ts";
import { useTestDatabase } from "./support/test-database.ts";
import { runDs } from "./support/run-ds.ts";
import { until } from "./support/until.ts";

function ds(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runDs([...args]);
}

describe("ds api-key entry (the API_KEYS environment variable)", () => {
  it("prints a new key once and the API_KEYS entry that accepts it", async () => {
    const { code, stdout, stderr } = await ds("api-key", "entry", "ci-bot");
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const key = /^key \(give it to the client; shown only once\): (\S+)$/m.exec(stdout)![1]!;
    const entry = /^API_KEYS entry \(add it to the server's API_KEYS\): (\S+)$/m.exec(stdout)![1]!;
    expect(entry).toBe(`ci-bot:${createHash("sha256").update(key).digest("hex")}`);
    const keys = parseApiKeys(`other:${"a".repeat(64)},${entry}`);
    expect(keys.authenticate(`Bearer ${key}`)).toBe("ci-bot");
    expect(keys.authenticate(`Bearer ${key}x`)).toBeNull();
    const again = await ds("api-key", "entry", "ci-bot");
    expect(again.stdout).not.toContain(key); // a new random key each time
  });

  it("prints its usage with --help and is listed by ds --help", async () => {
    const help = await ds("api-key", "--help");
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toMatch(/^usage: ds api-key create LABEL \| list \[--json\] \| revoke LABEL \| entry LABEL\n/);
    expect((await ds("--help")).stdout).toMatch(/^ {2}api-key /m);
  });

  it("refuses a missing subcommand, an unknown one or an invalid label with one line (DS038, exit 2)", async () => {
    const missing = await ds("api-key");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error DS038: ds api-key takes SUBCOMMAND, got 0 argument\(s\) — hint: usage: ds api-key create LABEL/);
    const unknown = await ds("api-key", "ci-bot");
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error DS038: ds api-key: unknown subcommand "ci-bot" — hint: usage: ds api-key create LABEL/) });
    const bad = await ds("api-key", "entry", "has:colon");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error DS038: invalid key label "has:colon"/);
  });
});

describe("keys stored in the database", () => {
  const db = useTestDatabase("api-keys");
  let server: RunningServer;
  const saved = process.env.API_KEYS;

  beforeAll(async () => {
    process.env.API_KEYS = "";
    server = await startServer({ pool: db.pool, databaseUrl: db.url, buildersDir: fixtureBuilders, port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    if (saved === undefined) delete process.env.API_KEYS;
    else process.env.API_KEYS = saved;
  });

  const rest = async (key?: string) =>
    (await fetch(`${server.url}/api/v1/datasets`, { headers: key ? { authorization: `Bearer ${key}` } : {} })).status;
  const graphqlWrite = async (key: string) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: `mutation { cancel(id: "987654") { id } }` }),
    });
    return ((await res.json()) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code;
  };

  it("create prints a key that both APIs accept at once, without a restart", async () => {
    expect(await rest()).toBe(401);
    const created = await ds("api-key", "create", "alice", "--database-url", db.url);
    expect({ code: created.code, stderr: created.stderr }).toEqual({ code: 0, stderr: "" });
    const key = /^key alice \(give it to the client; shown only once, stored only as its hash\): (ds_\S+)$/m.exec(created.stdout)![1]!;
    await until("the server to accept the new key", async () => (await rest(key)) === 200, 5000);
    expect(await rest(`${key}x`)).toBe(401);
    // GraphQL: the key unlocks mutations (an unknown build is DS015, not a permission error)
    expect(await graphqlWrite(key)).toBe("DS015");
    // only the hash is stored
    const stored = (await db.pool.query("select key_hash from ds_private.api_keys where label = 'alice'")).rows[0].key_hash;
    expect(stored).toBe(createHash("sha256").update(key).digest("hex"));
    expect(JSON.stringify((await db.pool.query("select * from ds_private.api_keys")).rows)).not.toContain(key);
  });

  it("list shows labels and dates, never keys or hashes; a label in use is refused (DS051)", async () => {
    await ds("api-key", "create", "bob", "--database-url", db.url);
    const list = await ds("api-key", "list", "--json", "--database-url", db.url);
    const keys = JSON.parse(list.stdout) as { label: string; created: string; revoked: string | null }[];
    expect(keys.map((k) => [k.label, k.revoked])).toEqual([["alice", null], ["bob", null]]);
    expect(list.stdout).not.toMatch(/[0-9a-f]{64}/);
    const table = await ds("api-key", "list", "--database-url", db.url);
    expect(table.stdout).toMatch(/^alice\s+\d{4}-\d\d-\d\dT/m);
    const again = await ds("api-key", "create", "bob", "--database-url", db.url);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error DS051: an API key labelled bob exists already — hint: Revoke it first/) });
  });

  it("revoke refuses the key at once on the running server; revoking it again is DS052", async () => {
    const created = await ds("api-key", "create", "carol", "--database-url", db.url);
    const key = /(ds_\S+)$/m.exec(created.stdout)![1]!;
    await until("the server to accept the new key", async () => (await rest(key)) === 200, 5000);
    expect(await ds("api-key", "revoke", "carol", "--database-url", db.url)).toMatchObject({ code: 0, stdout: "key carol revoked\n" });
    await until("the server to refuse the revoked key", async () => (await rest(key)) === 401, 5000);
    expect(await ds("api-key", "revoke", "carol", "--database-url", db.url)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error DS052: no active API key is labelled 'carol'/) });
    // a new key may take a revoked label
    expect((await ds("api-key", "create", "carol", "--database-url", db.url)).code).toBe(0);
  });

  it("checks label and hash in SQL (DS051)", async () => {
    await expect(db.pool.query("select ds.create_api_key('has space', repeat('a', 64))")).rejects.toMatchObject({ code: "DS051" });
    await expect(db.pool.query("select ds.create_api_key('ok', 'not-a-hash')")).rejects.toMatchObject({ code: "DS051" });
  });
});
