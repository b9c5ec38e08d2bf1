/**
 * Retention (issue 9, point 2; docs/storage.md): [storage] retention drops whole partitions
 * behind the boundary and their coverage in one transaction, so that ds.missing, ds.gaps,
 * ds.data and the catalog agree; a scheduled refresh never refills what it dropped, an
 * explicit build does; the worker schedules the job with graphile-worker's crontab.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncDatasets } from "../datasets/sync.ts";
import { startWorker, type RunningWorker } from "../worker/run-worker.ts";
import { applyRetention, makeRetentionTask } from "../worker/retention-task.ts";
import { useTestDatabase } from "./support/test-database.ts";
import { until } from "./support/until.ts";

const db = useTestDatabase("retention");
const dir = mkdtempSync(join(tmpdir(), "ds-retention-"));
let worker: RunningWorker;
const q = async <T = Record<string, unknown>>(sql: string, params?: unknown[]) => (await db.pool.query(sql, params)).rows as T[];
const iso = (d: Date) => d.toISOString().slice(0, 10);
const partitions = async (dataset: string) =>
  (await q<{ lo: Date }>(`select lower(p.bounds) as lo from ds_private.dataset_versions v, ds_private.version_partitions(v.id) p
                          where v.name = $1 order by p.bounds`, [dataset])).map((p) => iso(p.lo));
const missing = async (dataset: string, from: string, to: string) =>
  (await q<{ lo: Date; hi: Date }>("select lower(r) as lo, upper(r) as hi from ds.missing($1, '0.1.0', $2, $3) r", [dataset, from, to]))
    .map((r) => [iso(r.lo), iso(r.hi)]);
const build = async (dataset: string, from: string, to: string) => {
  const { id } = (await q<{ id: string }>("select ds.build($1, '0.1.0', $2, $3) as id", [dataset, from, to]))[0]!;
  expect((await q<{ s: string }>("select ds.wait($1, '60 s') as s", [id]))[0]!.s).toBe("succeeded");
};

function dataset(name: string, config: string) {
  mkdirSync(join(dir, name, "0.1.0"), { recursive: true });
  writeFileSync(join(dir, name, "0.1.0", "config.toml"), `name = "${name}"\nversion = "0.1.0"\n${config}`);
  writeFileSync(join(dir, name, "0.1.0", "builder.ts"), "export function build(_d: unknown, ts: Date) {\n  return [{ value: ts.getUTCDate() }];\n}\n");
}

beforeAll(async () => {
  dataset("r-daily", `calendar = "everyday"\ngranularity = "1d"\nstart-date = "2024-01-01"\nchunk = 7\n[schema]\nvalue = "float"\n` +
    `[storage]\npartition = "1 week"\nretention = "14d"\n`);
  dataset("r-forever", `calendar = "everyday"\ngranularity = "1d"\nstart-date = "2024-01-01"\n[schema]\nvalue = "float"\n[storage]\npartition = "1 week"\n`);
  mkdirSync(join(dir, "r-written", "0.1.0"), { recursive: true });
  writeFileSync(join(dir, "r-written", "0.1.0", "config.toml"), `name = "r-written"\nversion = "0.1.0"\ncalendar = "everyday"\ngranularity = "1d"\n` +
    `start-date = "2024-01-01"\nkey = ["ticker"]\n[schema]\nticker = "str"\nprice = "float"\n[write]\n[storage]\nretention = "30 days"\npartition = "1 month"\n`);
  await syncDatasets(db.pool, dir);
  worker = await startWorker({ pool: db.pool, connectionString: db.url, buildersDir: dir, concurrency: 2, log: () => {} });
});

afterAll(async () => {
  await worker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("retention", () => {
  it("drops the partitions behind the boundary with their coverage: ds.missing, ds.gaps, ds.data and the catalog agree", async () => {
    await build("r-daily", "2024-01-01", "2024-03-03");
    await build("r-forever", "2024-01-01", "2024-01-31");
    expect(await partitions("r-daily")).toHaveLength(9);
    // as of Monday 2024-03-04: the horizon is 2024-02-19 (14 days), a Monday, so the boundary
    const [r] = await q<{ partitions: number; boundary: Date }>("select * from ds_worker.apply_retention('r-daily', '0.1.0', '2024-03-04T00:00Z')");
    expect([r!.partitions, r!.boundary.toISOString()]).toEqual([7, "2024-02-19T00:00:00.000Z"]);
    expect(await partitions("r-daily")).toEqual(["2024-02-19", "2024-02-26"]);
    expect(await missing("r-daily", "2024-01-01", "2024-03-03")).toEqual([["2024-01-01", "2024-02-19"]]);
    const gaps = await q<{ kind: string; from_ts: Date; to_ts: Date; points: string }>("select * from ds.gaps('r-daily', '0.1.0', '2024-01-01', '2024-03-03')");
    expect(gaps.map((g) => [g.kind, iso(g.from_ts), iso(g.to_ts), Number(g.points)])).toEqual([["missing", "2024-01-01", "2024-02-18", 49]]);
    const data = await q<{ ts: Date }>("select ts from ds.data('r-daily', '0.1.0', '2024-01-01', '2024-03-03')");
    expect([data.length, iso(data[0]!.ts)]).toEqual([14, "2024-02-19"]);
    expect(await q("select first_built, last_built, built_ranges from ds.datasets where name = 'r-daily'")).toEqual([
      { first_built: new Date("2024-02-19T00:00:00Z"), last_built: new Date("2024-03-03T00:00:00Z"), built_ranges: 1 }]);
    // a version without retention is left alone
    expect(await q("select * from ds_worker.apply_retention('r-forever', '0.1.0', '2030-01-01')")).toEqual([]);
    expect(await partitions("r-forever")).toHaveLength(5);
  });

  it("changes nothing on a second run", async () => {
    const [r] = await q<{ partitions: number }>("select * from ds_worker.apply_retention('r-daily', '0.1.0', '2024-03-04T12:00Z')");
    expect(r!.partitions).toBe(0);
    expect(await partitions("r-daily")).toEqual(["2024-02-19", "2024-02-26"]);
  });

  it("never refills what it dropped by a scheduled refresh; an explicit build does, until the next run", async () => {
    // ds.refresh (what [refresh] schedule runs) up to 2024-03-05: only 2024-03-04 is missing after the boundary
    const { id } = (await q<{ id: string | null }>("select ds.refresh('r-daily', '0.1.0', '2024-03-05T00:00Z') as id"))[0]!;
    expect(id).not.toBeNull();
    expect((await q<{ s: string }>("select ds.wait($1, '60 s') as s", [id]))[0]!.s).toBe("succeeded");
    expect(await q("select start_at from ds.builds where id = $1", [id])).toEqual([{ start_at: new Date("2024-02-19T00:00:00Z") }]);
    expect(await missing("r-daily", "2024-01-01", "2024-03-04")).toEqual([["2024-01-01", "2024-02-19"]]);
    expect(await partitions("r-daily")).toEqual(["2024-02-19", "2024-02-26", "2024-03-04"]);
    // asked for explicitly, January comes back, in its partitions
    await build("r-daily", "2024-01-01", "2024-01-14");
    expect(await partitions("r-daily")).toEqual(["2024-01-01", "2024-01-08", "2024-02-19", "2024-02-26", "2024-03-04"]);
    expect(await missing("r-daily", "2024-01-01", "2024-03-04")).toEqual([["2024-01-15", "2024-02-19"]]);
    const [r] = await q<{ partitions: number }>("select * from ds_worker.apply_retention('r-daily', '0.1.0', '2024-03-05T00:00Z')");
    expect(r!.partitions).toBe(2);
    expect(await missing("r-daily", "2024-01-01", "2024-03-04")).toEqual([["2024-01-01", "2024-02-19"]]);
  });

  it("applies every version's retention from the worker's task, and skips a table held by a long reader until the next run", async () => {
    const rows = ["2024-01-15", "2024-02-15", "2024-03-15", "2024-04-15", "2024-05-01"].map((ts, i) => ({ ts, ticker: "AAPL", price: i }));
    await q("select * from ds.write('r-written', '0.1.0', $1::jsonb, '[2024-01-01, 2024-05-02)')", [JSON.stringify(rows)]);
    expect(await partitions("r-written")).toEqual(["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01"]);
    const log: string[] = [];
    const holder = await db.pool.connect();
    try {
      await holder.query("begin");
      await holder.query("select count(*) from ds_data.r_written");
      const started = Date.now();
      const results = await applyRetention(db.pool, (line) => log.push(line), new Date("2024-05-15T00:00:00Z"));
      expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
      expect(results.map((r) => r.dataset)).toEqual(["r-daily"]);
      expect(log).toEqual([expect.stringMatching(/retention of r-written 0\.1\.0 skipped: its table stayed locked/)]);
    } finally {
      await holder.query("rollback");
      holder.release();
    }
    // as of 2024-05-15: the horizon is 2024-04-15, the boundary 2024-04-01
    const results = await applyRetention(db.pool, () => {}, new Date("2024-05-15T00:00:00Z"));
    expect(results.find((r) => r.dataset === "r-written")).toMatchObject({ partitions: 3, boundary: new Date("2024-04-01T00:00:00Z") });
    expect(await partitions("r-written")).toEqual(["2024-04-01", "2024-05-01"]);
    expect(await missing("r-written", "2024-01-01", "2024-05-01")).toEqual([["2024-01-01", "2024-04-01"]]);
    expect((await q<{ n: number }>("select count(*)::int as n from ds_data.r_written"))[0]!.n).toBe(2);
  });

  it("is scheduled by every worker as the graphile-worker cron item ds_retention, whose task runs as of now", async () => {
    await until("the worker's crontab", async () =>
      (await q("select identifier from graphile_worker._private_known_crontabs where identifier = 'ds_retention'")).length === 1);
    // now (2026 or later) is long past every boundary: the task drops what is left of 2024
    const lines: string[] = [];
    await makeRetentionTask(db.pool, (line) => lines.push(line))({}, {} as never);
    expect(await partitions("r-written")).toEqual([]);
    expect(lines).toEqual([expect.stringMatching(/^worker: retention of r-written 0\.1\.0 dropped 2 partition\(s\) before /)]);
    expect(await q("select name, coverage = '{[2024-01-01Z, 2024-02-01Z)}' as january, isempty(coverage) as empty from ds_private.dataset_versions where name like 'r-%' order by name")).toEqual([
      { name: "r-daily", january: false, empty: true }, { name: "r-forever", january: true, empty: false }, { name: "r-written", january: false, empty: true }]);
  });
});
