import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectSqlState } from "./support/test-database.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("roles");
const suffix = randomBytes(4).toString("hex");
const reader = `bi_reader_${suffix}`;
const builder = `app_builder_${suffix}`;
const password = `pw_${suffix}`;
let readerClient: pg.Client;
let builderClient: pg.Client;

function connectAs(role: string): Promise<pg.Client> {
  const u = new URL(db.url);
  u.username = role;
  u.password = password;
  const c = new pg.Client(u.toString());
  return c.connect().then(() => c);
}

beforeAll(async () => {
  await db.q(`create role ${reader} login password '${password}' in role ds_reader`);
  await db.q(`create role ${builder} login password '${password}' in role ds_builder`);
  const { id } = await db.one<{ id: number }>("select ds.build('t-sparse', '0.1.0', '2024-01-01', '2024-01-10') as id");
  await db.q("select ds.wait($1)", [id]);
  readerClient = await connectAs(reader);
  builderClient = await connectAs(builder);
});

afterAll(async () => {
  await readerClient?.end();
  await builderClient?.end();
  await db.q(`drop role if exists ${reader}`);
  await db.q(`drop role if exists ${builder}`);
});

describe("ds_reader", () => {
  it("reads typed tables, views, the catalog, ds.data, ds.missing and calendars", async () => {
    expect((await readerClient.query("select count(*)::int n from ds_data.t_sparse_v0_1_0")).rows[0].n).toBe(24);
    expect((await readerClient.query("select count(*)::int n from ds_data.t_sparse")).rows[0].n).toBe(24);
    expect((await readerClient.query("select count(*)::int n from ds.datasets")).rows[0].n).toBeGreaterThan(5);
    const catalog = await readerClient.query("select * from ds.datasets where name = 't-sparse'");
    expect(catalog.rows[0]).toMatchObject({ version: "0.1.0", is_newest: true, built_ranges: 1 });
    expect((await readerClient.query("select * from ds.calendars where name = 'nyse'")).rows[0]).toMatchObject({ kind: "intraday", timezone: "America/New_York" });
    expect((await readerClient.query("select * from ds.builds")).rowCount).toBeGreaterThan(0);
    expect((await readerClient.query("select count(*)::int n from ds.builds")).rows[0].n).toBeGreaterThan(0);
    expect((await readerClient.query("select count(*)::int n from ds.calendars")).rows[0].n).toBe(5);
    expect((await readerClient.query("select count(*)::int n from ds.data('t-sparse', '0.1.0', '2024-01-01', '2024-01-10')")).rows[0].n).toBe(24);
    expect((await readerClient.query("select count(*)::int n from ds.missing('t-sparse', '0.1.0', '2024-01-01', '2024-01-20')")).rows[0].n).toBe(1);
    expect((await readerClient.query("select count(*)::int n from ds.calendar_points('nyse-daily', '1d', '2024-01-01', '2024-12-31')")).rows[0].n).toBe(252);
    expect((await readerClient.query("select ds.sma(array[1, 2, 3]::float8[], 2) s")).rows[0].s).toEqual([null, 1.5, 2.5]);
  });

  it("can neither build, delete, write, nor read internals", async () => {
    await expectSqlState(readerClient.query("select ds.build('t-root', '0.1.0', '2024-01-01', '2024-01-02')"), "42501");
    await expectSqlState(readerClient.query("select * from ds.delete('t-sparse', '0.1.0', '2024-01-01', '2024-01-02')"), "42501");
    await expectSqlState(readerClient.query("select * from ds.data('t-root', '0.1.0', '2024-01-01', '2024-01-02', build => true)"), "DS022");
    await expectSqlState(readerClient.query("insert into ds_store.t_sparse_v0_1_0 values (now(), 'X', 1)"), "42501");
    await expectSqlState(readerClient.query("select * from ds_private.tasks"), "42501");
    await expectSqlState(readerClient.query("select ds_worker.complete_task(1, 0)"), "42501");
    await expectSqlState(readerClient.query("select * from graphile_worker.jobs"), "42501");
  });

  it("is what SET ROLE gives a server acting for an anonymous client", async () => {
    const c = await db.pool.connect();
    try {
      await c.query("begin; set local role ds_reader");
      await expectSqlState(c.query("select ds.build('t-root', '0.1.0', '2024-01-01', '2024-01-02')"), "42501");
      await c.query("rollback; begin; set local role ds_reader");
      await expectSqlState(c.query("select * from ds.data('t-root', '0.1.0', '2024-01-01', '2024-01-02', build => true)"), "DS022");
    } finally {
      await c.query("rollback");
      c.release();
    }
  });
});

describe("ds_builder", () => {
  it("builds, waits, reads with build => true, cancels and deletes", async () => {
    const { id } = (await builderClient.query("select ds.build('t-root', '0.1.0', '2024-02-01', '2024-02-05') as id")).rows[0];
    expect((await builderClient.query("select ds.wait($1) as s", [id])).rows[0].s).toBe("succeeded");
    const rows = await builderClient.query("select * from ds.data('t-root', '0.1.0', '2024-02-01', '2024-02-07', build => true)");
    expect(rows.rowCount).toBe(7);
    const deleted = await builderClient.query("select * from ds.delete('t-root', '0.1.0', '2024-02-01', '2024-02-02')");
    expect(deleted.rows[0].deleted).toBe("2");
    const b = (await builderClient.query("select ds.build('t-root', '0.1.0', '2024-03-01', '2024-03-05') as id")).rows[0];
    expect(["cancelled", "succeeded"]).toContain((await builderClient.query("select ds.cancel($1) as s", [b.id])).rows[0].s);
    await expectSqlState(builderClient.query("select * from ds_private.tasks"), "42501");
  });
});
