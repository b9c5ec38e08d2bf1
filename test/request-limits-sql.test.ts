/**
 * Per-request limits in SQL (DS033): points listed by ds.calendar_points, rows read by
 * ds.data, points planned by ds.data(build => true) and by dry runs; and dry runs that
 * take no build locks and can never commit.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectSqlState } from "./support/test-database.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("request_limits_sql");
const clients: pg.Client[] = [];

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: db.url });
  client.on("error", () => {});
  await client.connect();
  clients.push(client);
  return client;
}

beforeAll(async () => {
  const { id } = await db.one<{ id: number }>("select ds.build('t-root', '0.1.0', '2024-03-01', '2024-03-10') as id");
  expect((await db.one<{ s: string }>("select ds.wait($1) as s", [id])).s).toBe("succeeded");
});
afterAll(async () => {
  for (const c of clients) await c.end().catch(() => undefined);
});

describe("ds.calendar_points", () => {
  it("refuses 1900-2100 at one second at once, with the limit in the message (DS033)", async () => {
    const started = Date.now();
    const err = await expectSqlState(
      db.pool.query("select count(*) from ds.calendar_points('always-open', '1s', '1900-01-01', '2100-12-31')"),
      "DS033", /over the limit of 1000000 points/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((err as { hint?: string }).hint).toMatch(/ds\.max_points/);
  });

  it("lists a range under the limit, and follows ds.max_points", async () => {
    const client = await connect();
    expect((await client.query("select count(*)::int as n from ds.calendar_points('always-open', '1m', '2024-01-01', '2024-01-01 23:59')")).rows[0].n).toBe(1440);
    await client.query("set ds.max_points = 1000");
    await expectSqlState(client.query("select count(*) from ds.calendar_points('always-open', '1m', '2024-01-01', '2024-01-01 23:59')"),
      "DS033", /1440 points, over the limit of 1000 points/);
    await client.query("set ds.max_points = 'many'");
    await expectSqlState(client.query("select count(*) from ds.calendar_points('always-open', '1m', '2024-01-01', '2024-01-01')"), "22023");
  });
});

describe("ds.data", () => {
  it("returns up to ds.max_rows rows and refuses one more (DS033)", async () => {
    const client = await connect();
    await client.query("set ds.max_rows = 10");
    expect((await client.query("select count(*)::int as n from ds.data('t-root', '0.1.0', '2024-03-01', '2024-03-10')")).rows[0].n).toBe(10);
    await client.query("set ds.max_rows = 9");
    await expectSqlState(client.query("select * from ds.data('t-root', '0.1.0', '2024-03-01', '2024-03-10')"),
      "DS033", /more than 9 rows/);
  });

  it("refuses to build 1900-2100 of a one-minute dataset before planning anything (DS033)", async () => {
    const before = await db.one<{ n: number }>("select count(*)::int as n from ds.builds");
    await expectSqlState(db.pool.query("select * from ds.data('t-minute', '0.1.0', '1900-01-01', '2100-12-31', build => true)"),
      "DS033", /over the limit of 1000000 points/);
    expect(await db.one("select count(*)::int as n from ds.builds")).toEqual(before);
  });
});

describe("dry runs", () => {
  it("refuses a dry run over 1900-2100 (DS033)", async () => {
    const client = await connect();
    await client.query("begin");
    await expectSqlState(client.query("select ds_worker.plan_dry_run('t-minute', '0.1.0', '1900-01-01', '2100-12-31')"), "DS033", /dry run/);
    await client.query("rollback");
  });

  it("counts the points of the dependencies the dry run would build too (DS033)", async () => {
    const client = await connect();
    await client.query("begin");
    // t-child reads t-root with a 3-day lookback: 10 points of its own, 12 with t-root's
    await client.query("set local ds.max_points = 11");
    await expectSqlState(client.query("select ds_worker.plan_dry_run('t-child', '0.1.0', '2024-04-01', '2024-04-10')"),
      "DS033", /with its dependencies/);
    await client.query("rollback");
  });

  it("takes no build locks: ds.build of the same dataset returns while a dry run is in flight", async () => {
    const dry = await connect();
    const other = await connect();
    await other.query("set lock_timeout = '3s'");
    await dry.query("begin");
    await dry.query("select ds_worker.plan_dry_run('t-root', '0.1.0', '2024-05-01', '2024-05-20')");
    const { rows } = await other.query("select ds.build('t-root', '0.1.0', '2024-05-01', '2024-05-20') as id");
    expect(Number(rows[0].id)).toBeGreaterThan(0);
    await dry.query("rollback");
  });

  it("while a real build's open transaction does block it (the locks the dry run skips)", async () => {
    const real = await connect();
    const other = await connect();
    await other.query("set lock_timeout = '300ms'");
    await real.query("begin");
    await real.query("select ds.build('t-root', '0.1.0', '2024-06-01', '2024-06-20')");
    await expectSqlState(other.query("select ds.build('t-root', '0.1.0', '2024-06-01', '2024-06-20')"), "55P03");
    await real.query("rollback");
  });

  it("can never commit", async () => {
    const client = await connect();
    await client.query("begin");
    await client.query("select ds_worker.plan_dry_run('t-root', '0.1.0', '2024-07-01', '2024-07-05')");
    await expectSqlState(client.query("commit"), "25000", /dry run cannot commit/);
    expect(await db.one("select count(*)::int as n from ds.builds where start_at = '2024-07-01'")).toEqual({ n: 0 });
  });
});
