/**
 * The typed range read of each dataset version, ds_data.<table>_rows(start_at, end_at)
 * (issue 8, item 2): made at registration and by the migrator for tables made before it,
 * rows of [start_at, end_at] in ts and key order, inlined by PostgreSQL, executable by
 * ds_reader only; ds.data reads through it and keeps its limit; GraphQL has a field per
 * version, served to anonymous requests without a transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../db/migrate.ts";
import { parseApiKeys } from "../server/api-keys.ts";
import { createGraphqlMount } from "../server/graphql/mount.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import { expectSqlState, useTestDatabase } from "./support/test-database.ts";

const db = useTestDatabase("typed-reads");
const q = async <T = Record<string, unknown>>(sql: string, params?: unknown[]) => (await db.pool.query(sql, params)).rows as T[];

const base = { version: "0.1.0", calendar: "everyday", granularity: "1d", start_date: "2024-01-01", write: { conflict: "last-write-wins" } };
const day = (d: number) => `2024-01-0${d}T00:00:00.000Z`;

beforeAll(async () => {
  await q("select ds.register_dataset($1::jsonb)", [JSON.stringify({ ...base, name: "reads-keyed", key: ["k"],
    schema: [{ name: "k", type: "str" }, { name: "v", type: "float" }] })]);
  await q("select ds.register_dataset($1::jsonb)", [JSON.stringify({ ...base, name: "reads-notes", schema: [{ name: "note", type: "str" }] })]);
  // written out of key order, and one row outside the range read below
  await q("select ds.write('reads-keyed', '0.1.0', $1::jsonb)", [JSON.stringify([
    { ts: "2024-01-03", k: "b", v: 3.5 }, { ts: "2024-01-02", k: "b", v: 2.5 }, { ts: "2024-01-02", k: "a", v: 2 },
    { ts: "2024-01-03", k: "a", v: 3 }, { ts: "2024-01-05", k: "a", v: 5 }])]);
  await q("select ds.write('reads-notes', '0.1.0', $1::jsonb)", [JSON.stringify([
    { ts: "2024-01-02", note: "first" }, { ts: "2024-01-02", note: "second" }, { ts: "2024-01-01", note: "zero" }])]);
});

describe("ds_data.<table>_rows", () => {
  it("returns the rows of [start_at, end_at] ordered by ts and key, as the table's row type", async () => {
    const rows = await q<{ ts: Date; k: string; v: number }>("select * from ds_data.reads_keyed_v0_1_0_rows('2024-01-02', '2024-01-03')");
    expect(rows.map((r) => [r.ts.toISOString(), r.k, r.v])).toEqual([
      [day(2), "a", 2], [day(2), "b", 2.5], [day(3), "a", 3], [day(3), "b", 3.5],
    ]);
    const [type] = await q<{ t: string }>("select pg_get_function_result('ds_data.reads_keyed_v0_1_0_rows(timestamptz, timestamptz)'::regprocedure) as t");
    expect(type!.t).toBe("SETOF ds_data.reads_keyed_v0_1_0");
  });

  it("orders a keyless dataset by ts then row_number, the order rows were written in", async () => {
    const rows = await q<{ ts: Date; note: string; row_number: number }>("select * from ds_data.reads_notes_v0_1_0_rows('2024-01-01', '2024-01-31')");
    expect(rows.map((r) => [r.ts.toISOString(), r.note, r.row_number])).toEqual([[day(1), "zero", 1], [day(2), "first", 1], [day(2), "second", 2]]);
  });

  it("is inlined: the plan scans the table (its one partition of the range), with no function scan", async () => {
    const lines = (await q<{ "QUERY PLAN": string }>("explain select * from ds_data.reads_keyed_v0_1_0_rows('2024-01-02', '2024-01-03')"))
      .map((r) => r["QUERY PLAN"]).join("\n");
    expect(lines).toMatch(/Scan on v\d+_p20240101 /);
    expect(lines).not.toMatch(/Function Scan/);
  });

  it("has a comment and is executable by ds_reader, not by every role", async () => {
    const [c] = await q<{ c: string }>("select obj_description('ds_data.reads_keyed_v0_1_0_rows(timestamptz, timestamptz)'::regprocedure, 'pg_proc') as c");
    expect(c!.c).toMatch(/^The rows of reads-keyed 0\.1\.0 in \[start_at, end_at\]/);
    const client = await db.pool.connect();
    const outsider = `reads_outsider_${process.pid}`;
    try {
      await client.query(`create role ${outsider} nologin`);
      await client.query("begin");
      await client.query("set local role ds_reader");
      expect((await client.query("select count(*)::int as n from ds_data.reads_keyed_v0_1_0_rows('2024-01-01', '2024-01-31')")).rows[0].n).toBe(5);
      await client.query("rollback");
      await client.query(`grant usage on schema ds_data to ${outsider}`);
      await client.query("begin");
      await client.query(`set local role ${outsider}`);
      await expectSqlState(client.query("select * from ds_data.reads_keyed_v0_1_0_rows('2024-01-01', '2024-01-31')"), "42501", /permission denied for function/);
      await client.query("rollback");
    } finally {
      await client.query("rollback").catch(() => {});
      await client.query(`revoke usage on schema ds_data from ${outsider}`).catch(() => {});
      await client.query(`drop role if exists ${outsider}`).catch(() => {});
      client.release();
    }
  });

  it("is made again by the migrator for a table that lacks it (databases made before it)", async () => {
    await q("drop function ds_data.reads_notes_v0_1_0_rows(timestamptz, timestamptz)");
    await q("delete from ds_private.settings where name = 'sql_hash'"); // as when sql/ changes: a hash never applied here
    await q("delete from ds_private.sql_history");
    const result = await migrate(db.pool);
    expect(result.sqlReapplied).toBe(true);
    expect((await q("select * from ds_data.reads_notes_v0_1_0_rows('2024-01-02', '2024-01-02')")).length).toBe(2);
  });
});

describe("ds.data through the typed read", () => {
  it("returns the same rows as jsonb, without row_number for a keyless dataset", async () => {
    const rows = await q<{ ts: Date; data: unknown }>("select ts, data from ds.data('reads-notes', '0.1.0', '2024-01-01', '2024-01-02')");
    expect(rows.map((r) => [r.ts.toISOString(), r.data])).toEqual([[day(1), { note: "zero" }], [day(2), { note: "first" }], [day(2), { note: "second" }]]);
  });

  it("still refuses more than ds.max_rows rows (DS033)", async () => {
    const client = await db.pool.connect();
    try {
      await client.query("set ds.max_rows = 4");
      expect((await client.query("select * from ds.data('reads-keyed', '0.1.0', '2024-01-02', '2024-01-03')")).rowCount).toBe(4);
      await client.query("set ds.max_rows = 3");
      await expectSqlState(client.query("select * from ds.data('reads-keyed', '0.1.0', '2024-01-02', '2024-01-03')"), "DS033", /more than 3 rows/);
    } finally {
      await client.query("reset ds.max_rows");
      client.release();
    }
  });
});

describe("GraphQL field per version", () => {
  let server: RunningServer;
  beforeAll(async () => {
    const ctx = { pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(""), buildersDir: "builders" };
    server = await startHttpServer([await createGraphqlMount(ctx, { poolSize: 2 })], { port: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });
  const gql = async (query: string) =>
    (await (await fetch(`${server.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) })).json()) as {
      data?: Record<string, { nodes: Array<Record<string, unknown>>; pageInfo?: { hasNextPage: boolean } }>; errors?: unknown[];
    };

  it("reads a range in ts and key order, paged with first", async () => {
    const r = await gql(`{ readsKeyedV0_1_0Rows(startAt: "2024-01-02T00:00:00Z", endAt: "2024-01-03T00:00:00Z", first: 3) { nodes { k v } pageInfo { hasNextPage } } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data!.readsKeyedV0_1_0Rows).toEqual({ nodes: [{ k: "a", v: 2 }, { k: "b", v: 2.5 }, { k: "a", v: 3 }], pageInfo: { hasNextPage: true } });
  });

  it("keeps the operation limits: first over maxFirst is refused (DS034)", async () => {
    const r = await gql(`{ readsKeyedV0_1_0Rows(startAt: "2024-01-01T00:00:00Z", endAt: "2024-01-31T00:00:00Z", first: 100000) { nodes { k } } }`);
    expect((r.errors as Array<{ extensions: { code: string } }>)[0]!.extensions.code).toBe("DS034");
  });
});
