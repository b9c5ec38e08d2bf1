/**
 * Upgrading a database of an earlier release, with data: test/fixtures/upgrade holds dumps
 * (made by make-fixture.sh from those releases: four datasets built or written, calendars
 * trimmed to December 2023 – April 2024): 000022, before time partitions (plain typed tables),
 * and 000029, before packed partitions (partitioned typed tables in ds_data). Migrating each
 * with this checkout applies the newer migrations and sql/, gives exactly the schema of a
 * fresh database (db/schema-dump.txt), keeps every row and the coverage, and builds on from
 * there.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { migrate } from "../db/migrate.ts";
import { createPool } from "../db/pool.ts";
import { projectRoot } from "../db/project-root.ts";
import { dumpSchema } from "../db/schema-dump.ts";
import { fixtureBuilders } from "./support/worker-fixture.ts";
import { startWorker, type RunningWorker } from "../worker/run-worker.ts";
import { databaseUrl, dropDatabase, withDatabase } from "./support/database-url.ts";

const fixtures = join(projectRoot(), "test", "fixtures", "upgrade");
const migrationFiles = readdirSync(join(projectRoot(), "migrations")).filter((f) => f.endsWith(".sql")).sort();
const adminUrl = inject("adminUrl");

for (const previous of readdirSync(fixtures).filter((f) => f.endsWith(".sql.gz")).sort()) upgradeFrom(previous);

/** The whole test for one fixture: its own database, restored before its tests, dropped after. */
function upgradeFrom(previous: string): void {
  const previousLast = previous.replace(".sql.gz", "");
  let url = "";
  let pool: pg.Pool;
  let worker: RunningWorker | undefined;
  const before: Record<string, unknown[]> = {};

  const tables = ["t_root_v0_1_0", "t_child_v0_1_0", "t_sql_sum_v0_1_0", "w_bars_v0_1_0"];
  const rowsOf = async (table: string) => (await pool.query(`select * from ds_data.${table} order by 1, 2`)).rows;
  const coverage = async () => (await pool.query("select name, version, built_ranges, first_built, last_built from ds.datasets order by name")).rows;

  beforeAll(async () => {
    const name = `ds_test_upgrade_${randomBytes(4).toString("hex")}_${process.ppid}`;
    await withDatabase(adminUrl, (c) => c.query(`create database "${name}"`));
    url = databaseUrl(adminUrl, name);
    // the dump sets search_path to '' for its session: restore it on a client of its own
    await withDatabase(url, (c) => c.query(gunzipSync(readFileSync(join(fixtures, previous))).toString("utf8")));
    pool = createPool(url, { max: 8 });
    for (const t of tables) before[t] = await rowsOf(t);
    before.coverage = await coverage();
  });

  afterAll(async () => {
    await worker?.stop();
    await pool?.end();
    if (url) await dropDatabase(adminUrl, url);
  });

  describe(`upgrading a database of the previous release (migrations up to ${previousLast})`, () => {
    it("holds the previous release's data", () => {
      expect(before.t_child_v0_1_0).toHaveLength(20);
      expect(before.t_sql_sum_v0_1_0).toHaveLength(10);
      expect(before.w_bars_v0_1_0).toHaveLength(3);
    });

    it("applies the newer migrations and sql/", async () => {
      const result = await migrate(pool);
      expect(result.applied).toEqual(migrationFiles.filter((f) => f > `${previousLast}~`));
      // sql/ is re-applied when it changed since that release (the schema test below checks the result)
    });

    it("gives exactly the schema of a fresh database", async () => {
      expect(await dumpSchema(pool)).toBe(readFileSync(join(projectRoot(), "db", "schema-dump.txt"), "utf8"));
    });

    it("keeps every row and the coverage", async () => {
      for (const t of tables) expect(await rowsOf(t), t).toEqual(before[t]);
      expect(await coverage()).toEqual(before.coverage);
      const missing = await pool.query("select * from ds.missing('t-child', '0.1.0', '2024-01-01', '2024-01-20')");
      expect(missing.rows).toEqual([]);
      const { rows } = await pool.query("select ts, data from ds.data('w-bars', '0.1.0', '2024-03-01', '2024-03-02') order by ts, data->>'ticker'");
      expect(rows.map((r) => [r.ts.toISOString(), r.data.ticker, r.data.volume])).toEqual([
        ["2024-03-01T14:30:00.000Z", "AAPL", 50], ["2024-03-01T14:30:00.000Z", "MSFT", 100], ["2024-03-01T14:31:00.000Z", "MSFT", 200],
      ]);
    });

    it("converts each typed table in place into a store partitioned by ts under the view ds_data.<table>: rows, views and grants kept", async () => {
      for (const t of tables) {
        const { rows: [r] } = await pool.query(
          `select c.relkind, (select count(*)::int from pg_inherits i where i.inhparent = c.oid) as partitions,
                  (select v.relkind from pg_class v where v.oid = $2::regclass) as view,
                  has_table_privilege('ds_reader', $2::regclass, 'select') as readable
           from pg_class c where c.oid = $1::regclass`, [`ds_store.${t}`, `ds_data.${t}`]);
        expect(r, t).toMatchObject({ relkind: "p", view: "v", readable: true });
        expect(r.partitions, t).toBeGreaterThan(0);
      }
      expect((await pool.query("select count(*)::int as n from ds_data.t_child")).rows[0].n).toBe(20);
      const { rows: unpartitioned } = await pool.query("select relname from pg_class where relnamespace = 'ds_partitions'::regnamespace and relname like '%unpartitioned'");
      expect(unpartitioned).toEqual([]);
    });

    it("builds on from there: new points of the old datasets, with a worker of this checkout", async () => {
      worker = await startWorker({ pool, connectionString: url, buildersDir: fixtureBuilders, concurrency: 2, log: () => {} });
      const { rows: [{ id }] } = await pool.query("select ds.build('t-child', '0.1.0', '2024-01-15', '2024-01-31') as id");
      expect((await pool.query("select ds.wait($1, '60 s') as state", [id])).rows[0].state).toBe("succeeded");
      const child = await rowsOf("t_child_v0_1_0");
      expect(child).toHaveLength(31);
      expect(child.slice(0, 20)).toEqual(before.t_child_v0_1_0);
      // the new points read the old ones through the 3-day lookback: t-root's value is the day of the month
      expect(child.at(-1)).toMatchObject({ total: 29 + 30 + 31, n: 3 });
    });
  });
}
