/**
 * The folders of sql/ depend one way: a function may call functions of its own folder and
 * of the folders below it in LAYERS, never of a folder above. sql/kernel holds what several
 * features share, one function per file named after it. Calls are read from the SQL text
 * (comments and the prose of errors — messages, details, hints — left out; dynamic SQL in
 * format() strings counts).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../db/project-root.ts";

/** Lowest first. */
export const LAYERS = ["kernel", "limits", "calendar", "indicators", "transform", "registry", "views", "build", "worker", "write",
  "replica", "data", "rest", "query", "auth", "grants"];

const sqlDir = join(projectRoot(), "sql");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".sql") ? [p] : [];
  });
}

const folderOf = (file: string) => relative(sqlDir, file).split("/")[0]!;
const definition = /create or replace (?:function|aggregate|procedure) (\w+\.\w+)\s*\(/g;

/** The SQL of a file without comments, COMMENT ON statements and error prose. */
function code(text: string): string {
  return text
    .replace(/--[^\n]*/g, "")
    .replace(/comment on [^;]*?is\s+'(?:[^']|'')*'\s*;/gs, "")
    .replace(/\b(hint|detail)\s*=\s*(format\()?'(?:[^']|'')*'/g, "$1 = $2''")
    .replace(/raise (exception|notice|warning)\s+'(?:[^']|'')*'/g, "raise $1 ''");
}

const all = files(sqlDir);
const defined = new Map<string, string>(); // schema.function -> folder
for (const f of all) for (const m of readFileSync(f, "utf8").matchAll(definition)) defined.set(m[1]!, folderOf(f));

describe("the folders of sql/", () => {
  it("are all in LAYERS", () => {
    expect([...new Set(all.map(folderOf))].filter((f) => !LAYERS.includes(f))).toEqual([]);
  });

  it("call only their own folder and the folders below them", () => {
    const upward: string[] = [];
    for (const f of all) {
      const from = folderOf(f);
      for (const m of code(readFileSync(f, "utf8")).matchAll(/\b(ds|ds_private|ds_worker|ds_server)\.(\w+)\s*\(/g)) {
        const to = defined.get(`${m[1]}.${m[2]}`);
        if (to && LAYERS.indexOf(to) > LAYERS.indexOf(from)) upward.push(`${relative(sqlDir, f)} calls ${m[1]}.${m[2]} of ${to}/`);
      }
    }
    expect([...new Set(upward)].sort()).toEqual([]);
  });

  it("keep the kernel to one function per file, named after it", () => {
    for (const f of files(join(sqlDir, "kernel"))) {
      const names = [...new Set([...readFileSync(f, "utf8").matchAll(definition)].map((m) => m[1]!.split(".")[1]))];
      expect(names, f).toEqual([basename(f, ".sql")]);
    }
  });

  it("name every file in snake_case", () => {
    expect(all.map((f) => relative(sqlDir, f)).filter((f) => !/^[a-z]+(\/[a-z0-9_]+)+\.sql$/.test(f))).toEqual([]);
  });

  it("would fail on a call upward (the check itself is not blind)", () => {
    const text = "create or replace function ds_private.x() returns void language sql as $$ select ds_private.find_version('a', 'b') $$;";
    expect([...code(text).matchAll(/\b(ds|ds_private|ds_worker|ds_server)\.(\w+)\s*\(/g)].map((m) => m[2])).toContain("find_version");
    expect(defined.get("ds_private.find_version")).toBe("kernel");
  });
});
