/**
 * GET /api/v1/data through the prepared statement of a version (server/rest/json-read.ts):
 * its answer is byte for byte the ds.data path's (the one-statement read of data-route.ts,
 * run here in SQL on the same rows) for keyed, keyless, multi-row and every-type datasets,
 * key filters, limits, partial and empty ranges; it declines what that path must do
 * itself (a build to run first, more rows than ds.max_rows), and with build-data on a
 * built range it answers without building again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, parseApiKeys } from "../server/api-keys.ts";
import { startHttpServer, type RunningServer } from "../server/http-server.ts";
import type { ServerContext } from "../server/mount.ts";
import { resolveLimits } from "../server/request-limits.ts";
import { jsonReadSql } from "../server/rest/data-route.ts";
import { preparedReadPoolOf, readJson } from "../server/rest/json-read.ts";
import { createRestMount } from "../server/rest/rest-mount.ts";
import { fixtureBuilders, useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("rest_prepared");
const { key, entry } = generateApiKey("tests");
let server: RunningServer;
let ctx: ServerContext;

const VALUES = { s: "x \"quoted\" é", i: 9007199254740993, f: 0.1 + 0.2, n: "12345678901234567890.123456789", b: true, d: "2024-02-29",
  t: "2024-01-02T03:04:05.123456Z", j: { a: [1, "two"] } };

beforeAll(async () => {
  ctx = { pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(entry), buildersDir: fixtureBuilders, limits: resolveLimits({}, {}) };
  server = await startHttpServer([createRestMount(ctx)], { port: 0 });
  for (const [name, start, end] of [["t-sparse", "2024-01-02", "2024-01-06"], ["t-root", "2024-01-02", "2024-01-04"]]) {
    const { id } = await db.one<{ id: string }>("select ds.build($1, '0.1.0', $2, $3) as id", [name, start, end]);
    expect(await db.one("select ds.wait($1) as state", [id])).toEqual({ state: "succeeded" });
  }
  await db.q(`select * from ds.write('w-ticks', '0.1.0', (select jsonb_agg(jsonb_build_object(
    'ts', '2024-03-01T14:30:00Z'::timestamptz + (i / 3) * interval '1 minute', 'ticker', case when i % 2 = 0 then 'MSFT' else 'AAPL' end,
    'seq', i, 'price', 1.5 + i / 7.0, 'size', i)) from generate_series(1, 12) i))`);
  await db.q("select * from ds.write('w-types', '0.1.0', $1::jsonb)", [JSON.stringify([
    { ts: "2024-02-01", ...VALUES, opt: null }, { ts: "2024-02-01", ...VALUES, s: "second", opt: 1e300 }, { ts: "2024-02-03", ...VALUES, opt: -0.5 }])]);
});
afterAll(() => server?.close());

async function get(path: string) {
  const res = await fetch(server.url + path, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, text: await res.text() };
}

/** The body of the ds.data path for the same read, from data-route.ts's statement. */
async function throughDsData(name: string, version: string, start: string, end: string, filters: Record<string, string>, limit: number | null) {
  const client = await db.pool.connect();
  try {
    await client.query("set time zone 'UTC'");
    const { rows } = await client.query(jsonReadSql, [name, version, start, end, false, JSON.stringify(filters), limit]);
    const r = rows[0];
    return { status: r.gaps ? 206 : 200, text: `{"dataset_name":${JSON.stringify(name)},"dataset_version":${JSON.stringify(version)},` +
      `"total_timestamps":${r.total},"returned_timestamps":${r.returned},"rows":${r.rows}}` };
  } finally {
    await client.query("reset time zone");
    client.release();
  }
}

describe("the prepared read", () => {
  const cases: Array<[string, string, string, string, Record<string, string>, number | null]> = [
    ["t-sparse", "0.1.0", "2024-01-02", "2024-01-06", {}, null],
    ["t-sparse", "0.1.0", "2024-01-01", "2024-01-09", {}, null], // partial: 206
    ["t-sparse", "0.1.0", "2024-01-02", "2024-01-06", { ticker: "BBB" }, null],
    ["t-sparse", "0.1.0", "2024-01-02", "2024-01-06", { ticker: "ZZZ" }, null],
    ["t-sparse", "0.1.0", "2024-01-02", "2024-01-06", {}, 2],
    ["t-sparse", "0.1.0", "2024-01-02", "2024-01-06", { ticker: "AAA" }, 1],
    ["t-root", "0.1.0", "2024-03-01", "2024-03-01", {}, null], // nothing built: 206, no rows
    ["w-ticks", "0.1.0", "2024-03-01T14:30:00", "2024-03-01T14:34:00", {}, null],
    ["w-ticks", "0.1.0", "2024-03-01T14:30:00", "2024-03-01T14:34:00", { ticker: "MSFT" }, 2],
    ["w-types", "0.1.0", "2024-02-01", "2024-02-03", {}, null], // keyless: rows in written order, every type
  ];
  for (const [name, version, start, end, filters, limit] of cases) {
    const query = new URLSearchParams({ start, end, "build-data": "false", ...filters, ...(limit === null ? {} : { limit: String(limit) }) });
    it(`answers ${name} ${start}..${end} ${JSON.stringify(filters)} limit ${limit} byte for byte as the ds.data path`, async () => {
      const expected = await throughDsData(name, version, start.length === 10 ? `${start}T00:00:00Z` : `${start}Z`,
        end.length === 10 ? `${end}T00:00:00Z` : `${end}Z`, filters, limit);
      expect(await get(`/api/v1/data/${name}/${version}?${query}`)).toEqual(expected);
    });
  }

  it("is taken: readJson answers these reads itself", async () => {
    const client = await preparedReadPoolOf(ctx)!.connect();
    try {
      const read = await readJson(ctx, client, "t-sparse", "0.1.0", "2024-01-02T00:00:00Z", "2024-01-06T00:00:00Z", false, {}, null);
      expect(read).toMatchObject({ total: "5", returned: 4, gaps: false }); // t-sparse has no rows on one of the days
      const filtered = await readJson(ctx, client, "t-sparse", "0.1.0", "2024-01-02T00:00:00Z", "2024-01-06T00:00:00Z", false, { ticker: "AAA" }, 2);
      expect(filtered).toMatchObject({ total: "5", returned: 2, gaps: false });
    } finally {
      client.release();
    }
  });

  it("declines a read that must build first, and one over ds.max_rows (the ds.data path answers them)", async () => {
    const client = await preparedReadPoolOf(ctx)!.connect();
    try {
      expect(await readJson(ctx, client, "t-root", "0.1.0", "2024-04-01T00:00:00Z", "2024-04-02T00:00:00Z", true, {}, null)).toBeNull();
      await client.query("set ds.max_rows = 3");
      expect(await readJson(ctx, client, "t-sparse", "0.1.0", "2024-01-02T00:00:00Z", "2024-01-06T00:00:00Z", false, {}, null)).toBeNull();
      expect(await readJson(ctx, client, "t-sparse", "0.1.0", "2024-01-02T00:00:00Z", "2024-01-06T00:00:00Z", false, { ticker: "ZZZ" }, null)).toBeNull();
    } finally {
      await client.query("reset ds.max_rows");
      client.release();
    }
  });

  it("raises the errors of the ds.data path: unknown dataset (DS001), bad version (DS002), bad range (DS012)", async () => {
    for (const [path, status, code] of [["/api/v1/data/nope/0.1.0?start=2024-01-02&end=2024-01-03&build-data=false", 404, "DS001"],
      ["/api/v1/data/t-sparse/v1?start=2024-01-02&end=2024-01-03&build-data=false", 400, "DS002"],
      ["/api/v1/data/t-sparse/0.1.0?start=2024-01-03&end=2024-01-02&build-data=false", 422, "DS012"],
      ["/api/v1/data/t-sparse/0.1.0?start=2023-01-03&end=2023-01-04&build-data=false", 422, "DS012"]] as const) {
      const { status: got, text } = await get(path);
      expect({ got, code: JSON.parse(text).code }).toEqual({ got: status, code });
    }
  });

  it("with build-data on a built range answers without building again", async () => {
    const before = await db.one<{ n: number }>("select count(*)::int as n from ds.builds");
    const built = await get("/api/v1/data/t-sparse/0.1.0?start=2024-01-02&end=2024-01-06");
    expect(built).toEqual({ status: 200, text: (await throughDsData("t-sparse", "0.1.0", "2024-01-02T00:00:00Z", "2024-01-06T00:00:00Z", {}, null)).text });
    expect(await db.one("select count(*)::int as n from ds.builds")).toEqual(before);
    // a range with points missing is built (through ds.data), then read
    const grown = await get("/api/v1/data/t-sparse/0.1.0?start=2024-01-02&end=2024-01-08");
    expect(grown).toEqual({ status: 200, text: (await throughDsData("t-sparse", "0.1.0", "2024-01-02T00:00:00Z", "2024-01-08T00:00:00Z", {}, null)).text });
    expect(JSON.parse(grown.text).total_timestamps).toBe(7);
    expect((await db.one<{ n: number }>("select count(*)::int as n from ds.builds")).n).toBe(before.n + 1);
  });
});

describe("ds_private.data_text_sql", () => {
  it("writes the text of data_object_sql's jsonb byte for byte: every type, null, NaN, infinities, -0, exponents, any extra_float_digits", async () => {
    const schema = JSON.stringify([["s", "str"], ["i", "int"], ["f", "float"], ["n", "numeric"], ["b", "bool"], ["d", "date"], ["t", "timestamp"],
      ["j", "json"], ["zz", "float"], ["a_long_name", "str"], ["ab", "int"]].map(([name, type]) => ({ name, type })));
    const client = await db.pool.connect();
    try {
      await client.query("begin");
      await client.query(`create temp table tt (s text, i bigint, f float8, n numeric, b boolean, d date, t timestamptz, j jsonb, zz float8, a_long_name text, ab int8) on commit drop`);
      await client.query(`insert into tt values
        ('x "q" é \\ / tab	', 9007199254740993, 0.1 + 0.2, 12345678901234567890.123456789, true, '2024-02-29', '2024-01-02 03:04:05.123456+00', '{"a": [1, "two", 1.50, null]}', -0.0, e'line\\nbreak', -5),
        (null, null, null, null, null, null, null, null, null, null, null),
        ('', -9223372036854775808, 'NaN', 'NaN', false, 'infinity', 'infinity', 'null', 'Infinity', 'ü', 0),
        ('<>&', 9223372036854775807, '-Infinity', 'Infinity', true, '-infinity', '-infinity', '"str"', 1e300, 'x', 1),
        ('a', 0, 5e-324, '-Infinity', true, '0001-01-01', '2024-06-30 23:59:59.999999+00', '[]', 1.7976931348623157e308, 'y', 2),
        ('c', 2, 99999999999999.9, -0.5, true, '2024-01-01', '2024-01-01 00:00:00.5+00', '1e5', 1e15, 'z', 3),
        ('d', 3, 999999999999999.9, 1e20, true, '2024-01-01', '2024-01-01 00:00:00+00', '12.30', 1e14, 'z', 3),
        ('e', 4, -1.5e-7, 1e-20, true, '2024-01-01', '2024-01-01 00:00:00+00', '-0', 0.00009999, 'z', 3)`);
      await client.query(`insert into tt select 'r' || g, g * 7919, (random() - 0.5) * 10 ^ (random() * 40 - 20), round((random() * 1000)::numeric, g % 7),
        g % 2 = 0, '2024-01-01'::date + g, now() - g * interval '1 hour 7 minutes 3.25 seconds', jsonb_build_object('g', g, 'f', random()),
        random() * 10 ^ (g % 30 - 15), null, g from generate_series(1, 2000) g`);
      const { rows: [{ q }] } = await client.query(`select format('select count(*)::int as n, count(*) filter (where (%s)::text is distinct from %s)::int as diff from tt t',
        ds_private.data_object_sql($1, 't'), ds_private.data_text_sql($1, 't')) as q`, [schema]);
      for (const [zone, digits] of [["UTC", "1"], ["Europe/Paris", "0"], ["UTC", "-10"], ["America/New_York", "3"]]) {
        await client.query(`set local time zone '${zone}'; set local extra_float_digits = ${digits}`);
        expect({ zone, digits, ...(await client.query(q)).rows[0] }).toEqual({ zone, digits, n: 2008, diff: 0 });
      }
    } finally {
      await client.query("rollback");
      client.release();
    }
  });
});
