/**
 * One meaning per error code, kept in one registry (db/error-codes.ts): every code SQL
 * raises or TypeScript throws is in it, every code in it is raised somewhere, the README's
 * error table is the registry, and the HTTP status map names only registered codes.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { errorCodes } from "../db/error-codes.ts";
import { projectRoot } from "../db/project-root.ts";
import { parseApiKeys } from "../server/api-keys.ts";
import { resolveLimits } from "../server/request-limits.ts";
import { statusOfCode } from "../server/rest/http-error.ts";

const root = projectRoot();

function filesUnder(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, ext));
    else if (p.endsWith(ext)) out.push(p);
  }
  return out;
}

/** code -> the files that raise it */
function uses(files: string[], pattern: RegExp): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const f of files) {
    for (const m of readFileSync(f, "utf8").matchAll(pattern)) {
      found.set(m[1]!, [...(found.get(m[1]!) ?? []), relative(root, f)]);
    }
  }
  return found;
}

const sqlFiles = filesUnder(join(root, "sql"), ".sql");
const tsFiles = ["db", "cli", "common", "server", "worker", "datasets", "builders", "sources"].flatMap((d) => filesUnder(join(root, d), ".ts"));
// errcode = 'DS012', or a code handed to a raising helper: raise_definition_error('DS005', ...)
const raisedInSql = uses(sqlFiles, /'(DS\d{3})'/g);
// new DsError("DS038", ...), a code compared or mapped (the registry and the REST status map aside)
const registryFiles = [join(root, "db", "error-codes.ts"), join(root, "server", "rest", "http-error.ts")];
const thrownInTs = uses(tsFiles.filter((f) => !registryFiles.includes(f)), /"(DS\d{3})"/g);
const registered = Object.keys(errorCodes);

describe("error codes", () => {
  it("SQL raises only registered codes", () => {
    expect([...raisedInSql.keys()].filter((c) => !registered.includes(c))).toEqual([]);
  });

  it("TypeScript throws only registered codes", () => {
    expect([...thrownInTs.keys()].filter((c) => !registered.includes(c))).toEqual([]);
  });

  it("every registered code is raised or thrown somewhere", () => {
    expect(registered.filter((c) => !raisedInSql.has(c) && !thrownInTs.has(c))).toEqual([]);
  });

  it("the README's error table is the registry", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const start = readme.indexOf("| code | meaning |");
    const rows = readme.slice(start, readme.indexOf("\n\n", start)).split("\n").slice(2);
    expect(rows).toEqual(Object.entries(errorCodes).map(([code, meaning]) => `| ${code} | ${meaning} |`));
  });

  it("the REST status map names only registered codes", () => {
    expect(Object.keys(statusOfCode).filter((c) => !registered.includes(c))).toEqual([]);
  });

  it("a bad server setting in the environment is DS048, apart from config files (DS019) and calendars (DS047)", () => {
    expect(() => parseApiKeys("ci:not-a-hash")).toThrow(expect.objectContaining({ code: "DS048", message: expect.stringMatching(/^API_KEYS entry "ci:not-a-hash…" is not label:sha256hex$/) }));
    expect(() => resolveLimits({}, { DS_MAX_FIRST: "lots" })).toThrow(expect.objectContaining({ code: "DS048", message: 'DS_MAX_FIRST must be a positive integer, not "lots"' }));
    expect(() => resolveLimits({}, { DS_ANONYMOUS_STATEMENT_TIMEOUT: "soon" })).toThrow(expect.objectContaining({ code: "DS048" }));
  });
});
