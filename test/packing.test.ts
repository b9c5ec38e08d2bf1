/**
 * Packed cold data (issue 9, point 3; docs/storage.md "Packed partitions"): ds.pack turns
 * whole partitions into batches of arrays in ds_packed.<table>; every read (the typed view,
 * the dataset view, the typed read, ds.data, GraphQL, REST, the catalog) returns the same
 * rows before and after, for every schema type, with nulls, keyed and keyless; a write, a
 * delete or a build that reaches a packed partition unpacks it first; retention drops packed
 * partitions with their coverage; the packing job packs what [storage] pack-after says.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, parseApiKeys } from "../server/api-keys.ts";
import { createGraphqlMount } from "../server/graphql/mount.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import { createRestMount } from "../server/rest/rest-mount.ts";
import { applyPacking } from "../worker/pack-task.ts";
import { runDs } from "./support/run-ds.ts";
import { expectSqlState, useTestDatabase } from "./support/test-database.ts";

const db = useTestDatabase("packing");
const q = async <T = Record<string, unknown>>(sql: string, params?: unknown[]) => (await db.pool.query(sql, params)).rows as T[];
const { key, entry } = generateApiKey("packing");
let server: RunningServer;

const TYPES = [
  { name: "s", type: "str" }, { name: "i", type: "int" }, { name: "f", type: "float" }, { name: "n", type: "numeric" },
  { name: "b", type: "bool" }, { name: "d", type: "date" }, { name: "t", type: "timestamp" }, { name: "j", type: "json" },
];
const nullable = TYPES.map((f) => ({ ...f, nullable: true }));
const base = { version: "0.1.0", calendar: "everyday", start_date: "2024-01-01", write: { conflict: "last-write-wins" } };

/** A value of each type, varied by n (null every 7th row for nullable fields). */
function values(n: number, withNulls: boolean) {
  if (withNulls && n % 7 === 3) return { s: null, i: null, f: null, n: null, b: null, d: null, t: null, j: null };
  return {
    s: `s${n % 13}é`, i: n * 1_000_003 - 9_007_199_254_740, f: n / 3 + 0.1, n: `${n}.${"1234567890".repeat(4)}5`,
    b: n % 2 === 0, d: `2024-0${1 + (n % 9)}-1${n % 10}`, t: `2024-03-0${1 + (n % 9)}T10:00:00.${String(n % 1000000).padStart(6, "0")}Z`,
    j: { n, a: [n, "x"], o: { k: n % 3 === 0 } },
  };
}
const register = (def: object) => q("select ds.register_dataset($1::jsonb)", [JSON.stringify({ ...base, ...def })]);
const write = (dataset: string, rows: unknown[], covers?: string) =>
  q("select * from ds.write($1, '0.1.0', $2::jsonb, $3::tstzrange)", [dataset, JSON.stringify(rows), covers ?? null]);
/** Every row of a read as text, in (ts, key) order: compares every type exactly. */
const asText = (sql: string, params?: unknown[]) => q<{ r: string }>(`select x::text as r from (${sql}) x`, params).then((rows) => rows.map((r) => r.r));
const packedRows = async (table: string) => Number((await q<{ n: string }>(`select coalesce(sum("@rows"), 0) as n from ds_packed.${table}`))[0]!.n);
const partitions = async (dataset: string) =>
  (await q<{ lo: Date }>("select lower(p.bounds) as lo from ds_private.dataset_versions v, ds_private.version_partitions(v.id) p where v.name = $1 order by p.bounds", [dataset]))
    .map((p) => p.lo.toISOString().slice(0, 10));

/** Every read interface of a version over [from, to], as text. */
async function reads(dataset: string, table: string, from: string, to: string, order: string) {
  const view = dataset.replaceAll("-", "_");
  return {
    table: await asText(`select * from ds_data.${table} where ts >= $1 and ts <= $2 order by ${order}`, [from, to]),
    datasetView: await asText(`select * from ds_data.${view} where ts >= $1 and ts <= $2 order by ${order}`, [from, to]),
    typedRead: await asText(`select * from ds_data.${table}_rows($1, $2)`, [from, to]),
    data: await asText("select * from ds.data($1, '0.1.0', $2, $3)", [dataset, from, to]),
    gaps: await asText("select * from ds.gaps($1, '0.1.0', $2, $3)", [dataset, from, to]),
  };
}

/** A GraphQL query (a filtered connection, a row by key, a typed range read) and a REST read, across the packed edge. */
async function httpReads() {
  const res = await fetch(`${server.url}/graphql`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: `{
      all: pkKeyedV0_1_0(filter: { ts: { greaterThanOrEqualTo: "2024-01-07T22:00:00Z", lessThan: "2024-01-08T02:00:00Z" } }, orderBy: [TS_ASC, K_ASC]) { totalCount nodes { ts k s i f n b d t j } }
      one: pkKeyedV0_1_0ByTsAndK(ts: "2024-01-03T05:00:00Z", k: "BB") { i s }
      range: pkKeyedV0_1_0Rows(startAt: "2024-01-07T23:00:00Z", endAt: "2024-01-08T00:00:00Z", first: 10) { nodes { ts k i j } }
    }` }),
  });
  const body = (await res.json()) as { data: any; errors?: unknown };
  expect(body.errors).toBeUndefined();
  const rest = await fetch(`${server.url}/api/v1/data/pk-keyed/0.1.0?start=2024-01-07T23:00:00Z&end=2024-01-08T00:00:00Z`, { headers: { authorization: `Bearer ${key}` } });
  expect(rest.status).toBe(200);
  return { graphql: body.data, rest: ((await rest.json()) as { rows: unknown[] }).rows };
}
let httpBefore: Awaited<ReturnType<typeof httpReads>>;

beforeAll(async () => {
  // keyed (k) with every type not null; keyless with every type nullable (several rows per ts)
  await register({ name: "pk-keyed", granularity: "1h", key: ["k"], schema: [{ name: "k", type: "str" }, ...TYPES], storage: { partition: "1 week" } });
  await register({ name: "pk-keyless", granularity: "1h", schema: nullable, storage: { partition: "1 week" } });
  await register({ name: "pk-job", granularity: "1d", schema: [{ name: "v", type: "float" }], storage: { partition: "1 month", "pack_after": "30d" } });
  // 3 weeks of hours × 3 keys: batches of 1,000 rows per key cut inside a partition (168 h a week: no)
  const keyed = [];
  const keyless = [];
  for (let h = 0; h < 21 * 24; h++) {
    const ts = new Date(Date.UTC(2024, 0, 1, h)).toISOString();
    for (const k of ["AAA", "BB", "C"]) keyed.push({ ts, k, ...values(h * 3 + k.length, false) });
    for (let r = 0; r < 1 + (h % 3); r++) keyless.push({ ts, ...values(h * 5 + r, true) });
  }
  await write("pk-keyed", keyed, "[2024-01-01, 2024-01-22)");
  await write("pk-keyless", keyless, "[2024-01-01, 2024-01-22)");
  const ctx = { pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(entry), buildersDir: "builders" };
  server = await startHttpServer([await createGraphqlMount(ctx), createRestMount(ctx)], { port: 0 });
});
afterAll(async () => {
  await server?.close();
});

describe("ds.pack", () => {
  it("packs whole partitions; every read of every type (keyed, keyless, nulls) returns the same rows", async () => {
    const keyedBefore = await reads("pk-keyed", "pk_keyed_v0_1_0", "2023-12-31", "2024-01-31", "ts, k");
    const keylessBefore = await reads("pk-keyless", "pk_keyless_v0_1_0", "2023-12-31", "2024-01-31", "ts, row_number");
    // a narrow read across the edge of the packed range
    const edgeBefore = await asText("select * from ds_data.pk_keyed_v0_1_0_rows('2024-01-14 20:00', '2024-01-15 03:00')");
    expect(keyedBefore.table).toHaveLength(21 * 24 * 3);
    httpBefore = await httpReads();
    expect(await partitions("pk-keyed")).toEqual(["2024-01-01", "2024-01-08", "2024-01-15"]);

    // the first two weeks (partitions that end by 2024-01-15)
    expect(await q("select * from ds.pack('pk-keyed', '0.1.0', '2024-01-15')")).toEqual([{ partitions: 2, rows: String(2 * 168 * 3) }]);
    expect(await q("select * from ds.pack('pk-keyless', '0.1.0', '2024-01-15')")).toEqual([{ partitions: 2, rows: String(keylessBefore.table.length - (await q("select 1 from ds_store.pk_keyless_v0_1_0")).length) }]);
    expect(await partitions("pk-keyed")).toEqual(["2024-01-15"]);
    expect(await packedRows("pk_keyed_v0_1_0")).toBe(2 * 168 * 3);
    // one row per key and partition here (168 rows each), arrays ordered by ts
    const batches = await q<{ k: string; n: number; first: Date; sorted: boolean }>(
      `select k, "@rows" as n, "@first_ts" as first, ts = array(select unnest(ts) order by 1) as sorted from ds_packed.pk_keyed_v0_1_0 order by 3, 1`);
    expect(batches.map((b) => [b.k, b.n, b.sorted])).toEqual([["AAA", 168, true], ["BB", 168, true], ["C", 168, true], ["AAA", 168, true], ["BB", 168, true], ["C", 168, true]]);

    expect(await reads("pk-keyed", "pk_keyed_v0_1_0", "2023-12-31", "2024-01-31", "ts, k")).toEqual(keyedBefore);
    expect(await reads("pk-keyless", "pk_keyless_v0_1_0", "2023-12-31", "2024-01-31", "ts, row_number")).toEqual(keylessBefore);
    expect(await asText("select * from ds_data.pk_keyed_v0_1_0_rows('2024-01-14 20:00', '2024-01-15 03:00')")).toEqual(edgeBefore);
    // the same after a second ds.pack: nothing more to pack
    expect(await q("select * from ds.pack('pk-keyed', '0.1.0', '2024-01-15')")).toEqual([{ partitions: 0, rows: "0" }]);
  });

  it("keeps the catalog's row count, coverage and ds.missing", async () => {
    const [c] = await q<{ row_count: string }>("select row_count from ds_server.catalog('pk-keyed', '0.1.0')");
    expect(Number(c!.row_count)).toBe(21 * 24 * 3);
    expect(await q("select * from ds.missing('pk-keyed', '0.1.0', '2024-01-01', '2024-01-21 23:00')")).toEqual([]);
  });

  it("serves the same rows through GraphQL and REST", async () => {
    const after = await httpReads();
    expect(after).toEqual(httpBefore);
    expect(after.graphql.all.totalCount).toBe(12);
    expect(after.graphql.range.nodes.map((n: { k: string }) => n.k)).toEqual(["AAA", "BB", "C", "AAA", "BB", "C"]);
    // one row per timestamp, its keys' rows inside (the original's shape)
    expect(after.rest).toHaveLength(2);
  });
});

describe("unpacking", () => {
  it("unpacks a packed partition that a write reaches, and writes into it", async () => {
    const before = await asText("select * from ds_data.pk_keyed_v0_1_0 where ts < '2024-01-08' order by ts, k");
    await write("pk-keyed", [{ ts: "2024-01-03T05:00:00Z", k: "BB", ...values(1, false) }, { ts: "2024-01-03T05:00:00Z", k: "NEW", ...values(2, false) }]);
    expect(await partitions("pk-keyed")).toEqual(["2024-01-01", "2024-01-15"]);
    expect(await packedRows("pk_keyed_v0_1_0")).toBe(168 * 3);
    const after = await asText("select * from ds_data.pk_keyed_v0_1_0 where ts < '2024-01-08' order by ts, k");
    expect(after).toHaveLength(before.length + 1);
    const changed = after.filter((r) => !before.includes(r));
    expect(changed).toHaveLength(2);
    expect(changed.join()).toMatch(/BB/);
    expect(changed.join()).toMatch(/NEW/);
  });

  it("unpacks what a delete reaches: a partial delete and a whole packed partition", async () => {
    await q("select * from ds.pack('pk-keyed', '0.1.0', '2024-01-15')");
    expect(await partitions("pk-keyed")).toEqual(["2024-01-15"]);
    const total = (await q("select 1 from ds_data.pk_keyed_v0_1_0")).length;
    // a day inside the second (packed) week
    expect(await q("select deleted::int from ds.delete('pk-keyed', '0.1.0', '2024-01-09', '2024-01-09 23:00')")).toEqual([{ deleted: 72 }]);
    expect((await q("select 1 from ds_data.pk_keyed_v0_1_0")).length).toBe(total - 72);
    expect(await q("select lower(r)::text, upper(r)::text from ds.missing('pk-keyed', '0.1.0', '2024-01-01', '2024-01-21 23:00') r"))
      .toEqual([{ lower: "2024-01-09 00:00:00+00", upper: "2024-01-10 00:00:00+00" }]);
    // the whole first week, packed: gone, with its coverage
    expect(await q("select deleted::int from ds.delete('pk-keyed', '0.1.0', '2024-01-01', '2024-01-07 23:00')")).toEqual([{ deleted: 168 * 3 + 1 }]);
    expect(await q("select count(*)::int as n from ds_data.pk_keyed_v0_1_0 where ts < '2024-01-08'")).toEqual([{ n: 0 }]);
    expect(await packedRows("pk_keyed_v0_1_0")).toBe(0);
  });

  it("ds.unpack brings packed partitions back with every row", async () => {
    const before = await asText("select * from ds_data.pk_keyless_v0_1_0 order by ts, row_number");
    expect(await q("select ds.unpack('pk-keyless', '0.1.0', '2024-01-01', '2024-01-31') as n")).toEqual([{ n: 2 }]);
    expect(await partitions("pk-keyless")).toEqual(["2024-01-01", "2024-01-08", "2024-01-15"]);
    expect(await packedRows("pk_keyless_v0_1_0")).toBe(0);
    expect(await asText("select * from ds_data.pk_keyless_v0_1_0 order by ts, row_number")).toEqual(before);
  });

  it("a reader sees the rows before or after a pack, never both or neither; a write racing it fails whole and succeeds when retried", async () => {
    const before = await asText("select * from ds_data.pk_keyless_v0_1_0 where ts < '2024-01-08' order by ts, row_number");
    const packer = await db.pool.connect();
    const writer = await db.pool.connect();
    try {
      await packer.query("begin");
      await packer.query("select * from ds.pack('pk-keyless', '0.1.0', '2024-01-08')");
      // not committed: a reader waits for the commit (the drop's lock), then reads the packed rows
      const read = asText("select * from ds_data.pk_keyless_v0_1_0 where ts < '2024-01-08' order by ts, row_number");
      // a write into that partition waits too, then finds its partition gone
      const write = writer.query("select * from ds.write('pk-keyless', '0.1.0', $1::jsonb)", [JSON.stringify([{ ts: "2024-01-03T00:00:00Z", ...values(999, false), s: "raced" }])])
        .then(() => null, (e: { code?: string }) => e.code ?? "?");
      await new Promise((resolve) => setTimeout(resolve, 300));
      await packer.query("commit");
      expect(await read).toEqual(before);
      const code = await write;
      if (code !== null) {
        // the documented race: rolled back whole; written on the retry, which unpacks
        expect(["23514", "42P01", "40P01", "XX000"]).toContain(code);
        await writer.query("select * from ds.write('pk-keyless', '0.1.0', $1::jsonb)", [JSON.stringify([{ ts: "2024-01-03T00:00:00Z", ...values(999, false), s: "raced" }])]);
      }
      // last-write-wins without key: the write replaced the rows of its timestamp, and only those
      const after = await asText("select * from ds_data.pk_keyless_v0_1_0 where ts < '2024-01-08' order by ts, row_number");
      const at = (r: string) => r.startsWith('("2024-01-03 00:00:00+00"');
      expect(after.filter((r) => !at(r))).toEqual(before.filter((r) => !at(r)));
      expect(after.filter(at)).toEqual([expect.stringMatching(/raced/)]);
    } finally {
      await packer.query("rollback").catch(() => {});
      packer.release();
      writer.release();
    }
  });

  it("rolls a failed write back with its unpacking: the partition stays packed", async () => {
    await q("select * from ds.pack('pk-keyless', '0.1.0', '2024-01-08')");
    const packed = await packedRows("pk_keyless_v0_1_0");
    expect(packed).toBeGreaterThan(0);
    await expectSqlState(write("pk-keyless", [{ ts: "2024-01-02T00:00:00Z", ...values(1, false) }, { ts: "2024-01-02T01:00:00Z", ...values(2, false), i: "not a number" }]), "DS017");
    expect(await packedRows("pk_keyless_v0_1_0")).toBe(packed);
    expect(await partitions("pk-keyless")).toEqual(["2024-01-08", "2024-01-15"]);
  });
});

describe("retention and the packing job", () => {
  it("packs what [storage] pack-after says, as of a given time, and retention drops packed partitions with their coverage", async () => {
    const days = Array.from({ length: 120 }, (_, i) => ({ ts: new Date(Date.UTC(2024, 0, 1 + i)).toISOString(), v: i }));
    await write("pk-job", days, "[2024-01-01, 2024-04-30)");
    expect(await q("select pack_after::text from ds.datasets where name = 'pk-job'")).toEqual([{ pack_after: "30 days" }]);
    const before = await asText("select * from ds_data.pk_job_v0_1_0 order by ts");
    const log: string[] = [];
    // as of 2024-05-15: the horizon is 2024-04-15, so January, February and March are due
    const packed = await applyPacking(db.pool, (l) => log.push(l), new Date("2024-05-15T00:00:00Z"));
    expect(packed.map((p) => [p.dataset, p.start.toISOString().slice(0, 10), p.rows])).toEqual([
      ["pk-job", "2024-01-01", 31], ["pk-job", "2024-02-01", 29], ["pk-job", "2024-03-01", 31]]);
    expect(await partitions("pk-job")).toEqual(["2024-04-01"]);
    expect(await asText("select * from ds_data.pk_job_v0_1_0 order by ts")).toEqual(before);
    // retention of 60 days as of 2024-05-15: the boundary is 2024-03-01 (the partition of the
    // horizon, 2024-03-16): January and February go, packed as they are
    await q("update ds_private.dataset_versions set retention = '60 days' where name = 'pk-job'");
    expect(await q("select partitions, boundary::text from ds_worker.apply_retention('pk-job', '0.1.0', '2024-05-15')"))
      .toEqual([{ partitions: 2, boundary: "2024-03-01 00:00:00+00" }]);
    expect(await q("select min(ts)::text from ds_data.pk_job_v0_1_0")).toEqual([{ min: "2024-03-01 00:00:00+00" }]);
    expect(await q("select lower(coverage)::text from ds_private.dataset_versions where name = 'pk-job'")).toEqual([{ lower: "2024-03-01 00:00:00+00" }]);
    await q("update ds_private.dataset_versions set retention = null where name = 'pk-job'");
  });

  it("refuses ds.pack without a horizon (DS065) and to a reader (42501); checks pack-after at registration (DS063)", async () => {
    await expectSqlState(q("select * from ds.pack('pk-keyed', '0.1.0')"), "DS065", /no \[storage\] pack-after/);
    const client = await db.pool.connect();
    try {
      await client.query("set role ds_reader");
      await expectSqlState(client.query("select * from ds.pack('pk-keyed', '0.1.0', '2024-01-08')"), "42501");
      // the reader reads packed rows through the view and the typed read
      expect((await client.query("select count(*)::int as n from ds_data.pk_job_v0_1_0_rows('2024-01-01', '2024-12-31')")).rows).toEqual([{ n: 60 }]);
    } finally {
      await client.query("reset role");
      client.release();
    }
    // the CLI: one line with the code, exit 1
    const cli = await runDs(["pack", "pk-keyed", "0.1.0", "--database-url", db.url]);
    expect([cli.code, cli.stdout, cli.stderr.trim().split("\n").length, cli.stderr]).toEqual([1, "", 1, expect.stringMatching(/^error DS065: /)]);
    await expectSqlState(register({ name: "pk-bad", granularity: "1d", schema: [{ name: "v", type: "float" }], storage: { pack_after: "soon" } }), "DS063", /pack-after/);
  });

  it("ds pack and ds unpack on the command line", async () => {
    const packed = await runDs(["pack", "pk-job", "0.1.0", "--before", "2024-05-01", "--json", "--database-url", db.url]);
    expect([packed.code, JSON.parse(packed.stdout), packed.stderr]).toEqual([0, { partitions: 1, rows: 29 }, ""]);
    const unpacked = await runDs(["unpack", "pk-job", "0.1.0", "2024-01-01", "2024-12-31", "--database-url", db.url]);
    expect([unpacked.code, unpacked.stdout, unpacked.stderr]).toEqual([0, "unpacked 2 partition(s)\n", ""]);
    expect(await packedRows("pk_job_v0_1_0")).toBe(0);
  });
});
