/**
 * Partitions under concurrent builds (issue 9, point 1): two worker processes' chunks that
 * need the same new partitions create each once, in their own transactions, and every chunk
 * commits; a SQL builder's chunk creates its partitions too.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncDatasets } from "../datasets/sync.ts";
import { startWorker, type RunningWorker } from "../worker/run-worker.ts";
import { useTestDatabase } from "./support/test-database.ts";

const db = useTestDatabase("partitions-workers");
const dir = mkdtempSync(join(tmpdir(), "ds-partitions-"));
const workers: RunningWorker[] = [];
const q = async <T = Record<string, unknown>>(sql: string, params?: unknown[]) => (await db.pool.query(sql, params)).rows as T[];

function dataset(name: string, config: string, builder: [string, string]) {
  mkdirSync(join(dir, name, "0.1.0"), { recursive: true });
  writeFileSync(join(dir, name, "0.1.0", "config.toml"), `name = "${name}"\nversion = "0.1.0"\n${config}`);
  writeFileSync(join(dir, name, "0.1.0", builder[0]), builder[1]);
}

beforeAll(async () => {
  // two-day chunks, one-week partitions: neighbouring chunks need the same partition, and
  // each point takes 20 ms so that the two workers' chunks overlap
  dataset("pw-days", `calendar = "everyday"\ngranularity = "1d"\nstart-date = "2024-01-01"\nchunk = 2\n[schema]\nvalue = "float"\n[storage]\npartition = "1 week"\n`,
    ["builder.ts", "export async function build(_d: unknown, ts: Date) {\n  await new Promise((r) => setTimeout(r, 20));\n  return [{ value: ts.getUTCDate() }];\n}\n"]);
  dataset("pw-sql", `calendar = "everyday"\ngranularity = "1d"\nstart-date = "2024-01-01"\nchunk = 5\nbuilder = "builder.sql"\n[schema]\nvalue = "float"\n[storage]\npartition = "1 week"\n[dependencies]\npw-days = "0.1.0"\n`,
    ["builder.sql", "select d.ts, d.value * 2 as value from :\"pw-days\" d where d.ts >= :chunk_start and d.ts < :chunk_end\n"]);
  await syncDatasets(db.pool, dir);
  for (let i = 0; i < 2; i++) workers.push(await startWorker({ pool: db.pool, connectionString: db.url, buildersDir: dir, concurrency: 2, log: () => {} }));
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe("partitions created by concurrent chunks", () => {
  it("creates each partition once while two workers build chunks that share them, and every chunk commits", async () => {
    const { id } = (await q<{ id: string }>("select ds.build('pw-sql', '0.1.0', '2024-01-01', '2024-03-31') as id"))[0]!;
    expect((await q<{ s: string }>("select ds.wait($1, '120 s') as s", [id]))[0]!.s).toBe("succeeded");
    for (const table of ["pw_days_v0_1_0", "pw_sql_v0_1_0"]) {
      const parts = await q<{ n: number; lo: Date; hi: Date }>(
        `select count(*)::int as n, min(lower(p.bounds)) as lo, max(upper(p.bounds)) as hi
         from ds_private.dataset_versions v, ds_private.version_partitions(v.id) p where v.table_name = $1`, [table]);
      // Monday 2024-01-01 to Monday 2024-04-01: 13 weeks
      expect(parts, table).toEqual([{ n: 13, lo: new Date("2024-01-01T00:00:00Z"), hi: new Date("2024-04-01T00:00:00Z") }]);
    }
    expect(await q("select count(*)::int as n, sum(value)::int as s from ds_data.pw_days")).toEqual([{ n: 91, s: 31 * 16 + 29 * 15 + 31 * 16 }]);
    expect(await q("select count(*)::int as n from ds_data.pw_sql")).toEqual([{ n: 91 }]);
    // no chunk failed on the way (a collision would have failed an attempt and retried it)
    expect(await q("select count(*)::int as n from ds_private.tasks where attempts > 1 or error is not null")).toEqual([{ n: 0 }]);
    expect(new Set((await q<{ w: string }>("select distinct worker_id::text as w from ds_private.tasks where worker_id is not null")).map((r) => r.w)).size).toBe(2);
  });
});
