/**
 * Issue 12, item 5: a dataset without key stores several rows per timestamp (the implicit
 * key row_number, in the order the builder returned them). The original builder server's
 * five example configs (builders/_original, copied unchanged, builders rewritten in
 * TypeScript) register and build with its shapes; mock-multi-ohlc used to fail every build
 * with 23505 on "mock_multi_ohlc_v0_1_0_pkey".
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../db/pool.ts";
import { projectRoot } from "../db/project-root.ts";
import { syncDatasets, type SyncResult } from "../datasets/sync.ts";
import { startWorker, type RunningWorker } from "../worker/run-worker.ts";
import { generateApiKey } from "../server/api-keys.ts";
import { startServer } from "../server/start-server.ts";
import { useTestDatabase } from "./support/test-database.ts";

const original = join(projectRoot(), "builders", "_original");
const NAMES = ["mock-daily-close", "mock-moving-avg", "mock-multi-close", "mock-multi-ohlc", "mock-ohlc"];
const OHLC = ["close", "high", "low", "open", "ticker"];
const db = useTestDatabase("keyless-rows");
let worker: RunningWorker;
let synced: SyncResult;

beforeAll(async () => {
  await db.pool.end();
  db.pool = createPool(db.url, { max: 8 });
  synced = await syncDatasets(db.pool, original);
  worker = await startWorker({ pool: db.pool, connectionString: db.url, buildersDir: original, concurrency: 2, log: () => {} });
});
afterAll(async () => {
  await worker?.stop();
});

const q = async <T = Record<string, unknown>>(sql: string, params?: unknown[]) => (await db.pool.query(sql, params)).rows as T[];
async function build(name: string, start: string, end: string): Promise<string> {
  const [build] = await q<{ id: string }>("select ds.build($1, '0.1.0', $2, $3) as id", [name, start, end]);
  const [wait] = await q<{ state: string }>("select ds.wait($1, '2 minutes') as state", [build!.id]);
  return wait!.state;
}
const data = (name: string, start: string, end: string) =>
  q<{ ts: Date; data: Record<string, unknown> }>("select ts, data from ds.data($1, '0.1.0', $2, $3)", [name, start, end]);

describe("the original builder server's example datasets", () => {
  it("register from their configs copied unchanged (builder.py, no key)", async () => {
    expect(synced.registered).toEqual(NAMES.map((n) => `${n}@0.1.0`));
    for (const name of NAMES) {
      expect(readFileSync(join(original, name, "0.1.0", "config.toml"), "utf8")).toContain('builder = "builder.py"');
    }
    const rows = await q<{ name: string; key: string[]; fields: string[] }>(
      "select name, key, array(select f ->> 'name' from jsonb_array_elements(schema) f order by 1) as fields from ds.datasets order by name");
    expect(rows).toEqual([
      { name: "mock-daily-close", key: [], fields: ["close", "ticker"] },
      { name: "mock-moving-avg", key: [], fields: ["average", "ticker"] },
      { name: "mock-multi-close", key: [], fields: ["close", "ticker"] },
      { name: "mock-multi-ohlc", key: [], fields: OHLC },
      { name: "mock-ohlc", key: [], fields: OHLC },
    ]);
  });

  it("mock-multi-ohlc builds AAPL, MSFT and GOOG at every timestamp, in the builder's order", async () => {
    expect(await build("mock-multi-ohlc", "2020-01-01", "2020-01-05")).toBe("succeeded");
    const rows = await data("mock-multi-ohlc", "2020-01-01", "2020-01-05");
    expect(rows).toHaveLength(15);
    for (let day = 0; day < 5; day++) {
      const at = rows.slice(day * 3, day * 3 + 3);
      expect(at.map((r) => r.ts.toISOString())).toEqual(Array(3).fill(new Date(Date.UTC(2020, 0, 1 + day)).toISOString()));
      expect(at.map((r) => r.data.ticker)).toEqual(["AAPL", "MSFT", "GOOG"]);
      // the implicit column is not part of the rows' data
      for (const r of at) expect(Object.keys(r.data).sort()).toEqual(OHLC);
    }
    const table = await q("select ts, row_number, ticker from ds_data.mock_multi_ohlc_v0_1_0 where ts = '2020-01-02' order by row_number");
    expect(table.map((r) => [r.row_number, r.ticker])).toEqual([[1, "AAPL"], [2, "MSFT"], [3, "GOOG"]]);
  });

  it("mock-multi-close builds one close per row of mock-multi-ohlc, in its order", async () => {
    expect(await build("mock-multi-close", "2020-01-01", "2020-01-05")).toBe("succeeded");
    const closes = await data("mock-multi-close", "2020-01-01", "2020-01-05");
    const ohlc = await data("mock-multi-ohlc", "2020-01-01", "2020-01-05");
    expect(closes.map((r) => [r.ts.getTime(), r.data])).toEqual(ohlc.map((r) => [r.ts.getTime(), { ticker: r.data.ticker, close: r.data.close }]));
  });

  it("mock-ohlc, mock-daily-close and mock-moving-avg build one AAPL row per day", async () => {
    expect(await build("mock-moving-avg", "2020-01-01", "2020-01-10")).toBe("succeeded");
    const ohlc = await data("mock-ohlc", "2020-01-01", "2020-01-10");
    const closes = await data("mock-daily-close", "2020-01-01", "2020-01-10");
    const averages = await data("mock-moving-avg", "2020-01-01", "2020-01-10");
    expect(ohlc).toHaveLength(10);
    for (const r of ohlc) {
      expect(Object.keys(r.data).sort()).toEqual(OHLC);
      expect(r.data.ticker).toBe("AAPL");
      expect(r.data.high as number).toBeGreaterThanOrEqual(r.data.open as number);
      expect(r.data.low as number).toBeLessThanOrEqual(r.data.open as number);
    }
    expect(closes.map((r) => r.data)).toEqual(ohlc.map((r) => ({ ticker: "AAPL", close: r.data.close })));
    expect(averages).toHaveLength(10);
    // the first point's window holds only 2020-01-01: its average is that close
    expect(averages[0]!.data).toEqual({ ticker: "AAPL", average: closes[0]!.data.close });
    const all = closes.map((r) => r.data.close as number);
    for (const r of averages) {
      expect(Object.keys(r.data).sort()).toEqual(["average", "ticker"]);
      expect(r.data.average as number).toBeGreaterThanOrEqual(Math.min(...all) - 0.01);
      expect(r.data.average as number).toBeLessThanOrEqual(Math.max(...all) + 0.01);
    }
  });
});

describe("a keyless table", () => {
  it("has the primary key (ts, row_number), row_number last, and the view shows it", async () => {
    const [pk] = await q<{ columns: string[] }>(
      `select array(select a.attname::text from unnest(i.indkey) with ordinality k(n, o) join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.n order by k.o) as columns
       from pg_index i where i.indrelid = 'ds_store.mock_multi_ohlc_v0_1_0'::regclass and i.indisprimary`);
    expect(pk!.columns).toEqual(["ts", "row_number"]);
    const columns = await q<{ column_name: string }>(
      "select column_name from information_schema.columns where table_schema = 'ds_data' and table_name = 'mock_multi_ohlc' order by ordinal_position");
    expect(columns.map((c) => c.column_name)).toEqual(["ts", "ticker", "open", "high", "low", "close", "row_number"]);
  });

  it("deletes every row of a timestamp and invalidates the dependent; a rebuild restores the same rows once", async () => {
    const before = await data("mock-multi-close", "2020-01-03", "2020-01-03");
    const [d] = await q<{ deleted: number }>("select deleted::int from ds.delete('mock-multi-ohlc', '0.1.0', '2020-01-03', '2020-01-03')");
    expect(d!.deleted).toBe(3);
    const missing = await q<{ r: string }>("select r::text from ds.missing('mock-multi-close', '0.1.0', '2020-01-01', '2020-01-05') r");
    expect(missing.length).toBeGreaterThan(0);
    expect(await build("mock-multi-close", "2020-01-01", "2020-01-05")).toBe("succeeded");
    expect(await data("mock-multi-close", "2020-01-03", "2020-01-03")).toEqual(before);
    const [count] = await q<{ n: number }>("select count(*)::int as n from ds_data.mock_multi_ohlc_v0_1_0");
    expect(count!.n).toBe(15);
  });

  it("ds.asof joins every row of a keyless timestamp, without the implicit column", async () => {
    const rows = await q<{ ts: Date; left_data: Record<string, unknown>; right_data: Record<string, unknown> }>(
      "select * from ds.asof('mock-multi-close', '0.1.0', 'mock-ohlc', '0.1.0', '2020-01-02', '2020-01-02', '{}', available => 'label')");
    expect(rows.map((r) => r.left_data.ticker)).toEqual(["AAPL", "MSFT", "GOOG"]);
    for (const r of rows) {
      expect(Object.keys(r.left_data).sort()).toEqual(["close", "ticker"]);
      expect(Object.keys(r.right_data).sort()).toEqual(OHLC);
    }
  });

  it("a SQL builder's rows are numbered in its statement's order", async () => {
    await q("select ds.register_dataset($1::jsonb)", [JSON.stringify({
      name: "sql-pairs", version: "0.1.0", calendar: "everyday", granularity: "1d", start_date: "2020-01-01",
      schema: [{ name: "label", type: "str" }], builder: "builder.sql",
      builder_sql: "select p.ts, l.label from generate_series($1::timestamptz, $2::timestamptz - interval '1 day', interval '1 day') p(ts), " +
        "(values ('zulu', 1), ('alpha', 2), ('mike', 3)) l(label, o) order by p.ts, l.o",
    })]);
    expect(await build("sql-pairs", "2020-01-01", "2020-01-02")).toBe("succeeded");
    const rows = await q("select ts, row_number, label from ds_data.sql_pairs_v0_1_0 order by ts, row_number");
    expect(rows.map((r) => `${(r.ts as Date).toISOString().slice(0, 10)} ${r.row_number} ${r.label}`)).toEqual([
      "2020-01-01 1 zulu", "2020-01-01 2 alpha", "2020-01-01 3 mike",
      "2020-01-02 1 zulu", "2020-01-02 2 alpha", "2020-01-02 3 mike",
    ]);
  });

  it("refuses a field named row_number without key (DS005), and accepts it with a key", async () => {
    const def = { name: "rn", version: "0.1.0", calendar: "everyday", granularity: "1d", start_date: "2020-01-01",
      schema: [{ name: "row_number", type: "int" }, { name: "v", type: "float" }] };
    const err = await db.pool.query("select ds.register_dataset($1::jsonb)", [JSON.stringify(def)]).catch((e: { code: string }) => e);
    expect((err as { code: string }).code).toBe("DS005");
    await q("select ds.register_dataset($1::jsonb)", [JSON.stringify({ ...def, key: ["row_number"] })]);
  });
});

describe("GraphQL and REST", () => {
  it("a GraphQL connection gives a timestamp's rows with rowNumber, in order; REST gives them in one entry", async () => {
    const { key, entry } = generateApiKey("keyless");
    const saved = process.env.API_KEYS;
    process.env.API_KEYS = entry;
    const server = await startServer({ pool: db.pool, databaseUrl: db.url, buildersDir: original, port: 0 });
    if (saved === undefined) delete process.env.API_KEYS;
    else process.env.API_KEYS = saved;
    try {
      const res = await fetch(`${server.url}/graphql`, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `{ mockMultiOhlcV0_1_0(filter: { ts: { equalTo: "2020-01-02T00:00:00Z" } }) { totalCount nodes { rowNumber ticker } } }` }),
      });
      const body = (await res.json()) as { data?: { mockMultiOhlcV0_1_0: { totalCount: number; nodes: unknown[] } }; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data!.mockMultiOhlcV0_1_0).toEqual({ totalCount: 3, nodes: [
        { rowNumber: 1, ticker: "AAPL" }, { rowNumber: 2, ticker: "MSFT" }, { rowNumber: 3, ticker: "GOOG" }] });
      const rest = await fetch(`${server.url}/api/v1/data/mock-multi-ohlc/0.1.0?start=2020-01-02&end=2020-01-02&build-data=false`,
        { headers: { authorization: `Bearer ${key}` } });
      const r = (await rest.json()) as { rows: { timestamp: string; data: { ticker: string }[] }[] };
      expect(rest.status).toBe(200);
      expect(r.rows.map((x) => [x.timestamp, x.data.map((d) => d.ticker)])).toEqual([["2020-01-02T00:00:00", ["AAPL", "MSFT", "GOOG"]]]);
    } finally {
      await server.close();
    }
  });
});
