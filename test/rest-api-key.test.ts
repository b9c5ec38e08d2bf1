/** `ds api-key LABEL` as a child process: the key it prints is the one its API_KEYS entry accepts. */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseApiKeys } from "../server/api-keys.ts";
import { runDs } from "./support/run-ds.ts";

function ds(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runDs([...args]);
}

describe("ds api-key", () => {
  it("prints a new key once and the API_KEYS entry that accepts it", async () => {
    const { code, stdout, stderr } = await ds("api-key", "ci-bot");
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const key = /^key \(give it to the client; shown only once\): (\S+)$/m.exec(stdout)![1]!;
    const entry = /^API_KEYS entry \(add it to the server's API_KEYS\): (\S+)$/m.exec(stdout)![1]!;
    expect(entry).toBe(`ci-bot:${createHash("sha256").update(key).digest("hex")}`);
    const keys = parseApiKeys(`other:${"a".repeat(64)},${entry}`);
    expect(keys.authenticate(`Bearer ${key}`)).toBe("ci-bot");
    expect(keys.authenticate(`Bearer ${key}x`)).toBeNull();
    const again = await ds("api-key", "ci-bot");
    expect(again.stdout).not.toContain(key); // a new random key each time
  });

  it("prints its usage with --help and is listed by ds --help", async () => {
    const help = await ds("api-key", "--help");
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toMatch(/^usage: ds api-key LABEL\n/);
    expect((await ds("--help")).stdout).toMatch(/^ {2}api-key /m);
  });

  it("refuses a missing or invalid label with one line (DS038)", async () => {
    const missing = await ds("api-key");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error DS038: ds api-key takes LABEL, got 0 argument\(s\) — hint: usage: ds api-key LABEL\n$/);
    const bad = await ds("api-key", "has:colon");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error DS038: invalid key label "has:colon"/);
  });
});
