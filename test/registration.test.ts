import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { syncDatasets } from "../datasets/sync.ts";
import { projectRoot } from "../db/project-root.ts";
import { expectSqlState, useTestDatabase } from "./support/test-database.ts";

const db = useTestDatabase("registration");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Options {
  calendar?: string;
  granularity?: string;
  start?: string;
  schema?: string;
  deps?: string;
  extra?: string;
}

/** The text of a config.toml; schema defaults to one float field. */
function config(name: string, version: string, o: Options = {}): string {
  return [
    `name = ${JSON.stringify(name)}`,
    `version = ${JSON.stringify(version)}`,
    `calendar = "${o.calendar ?? "everyday"}"`,
    `granularity = "${o.granularity ?? "1d"}"`,
    `start-date = ${o.start ?? "2020-01-01"}`,
    o.extra ?? "",
    "[schema]",
    o.schema ?? 'value = "float"',
    o.deps ? `[dependencies]\n${o.deps}` : "",
  ].join("\n");
}

/** A builders tree in a temp dir: keys "name/version" → config.toml (a stub builder.ts beside it). */
function tree(configs: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "ds-registry-"));
  dirs.push(dir);
  for (const [path, text] of Object.entries(configs)) {
    mkdirSync(join(dir, path), { recursive: true });
    writeFileSync(join(dir, path, "config.toml"), text);
    writeFileSync(join(dir, path, "builder.ts"), "export function build() { return []; }\n");
  }
  return dir;
}

/** Sync a tree made of datasets given as [name, version, options]. */
function sync(...datasets: Array<[string, string, Options?]>) {
  return syncDatasets(db.pool, tree(Object.fromEntries(datasets.map(([n, v, o]) => [`${n}/${v}`, config(n, v, o)]))));
}

async function q<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.pool.query(sql, params)).rows as T[];
}

async function snapshot() {
  return q(`select (select count(*) from ds_private.datasets) as datasets, (select count(*) from ds_private.dataset_versions) as versions,
                   (select count(*) from pg_class where relnamespace = 'ds_data'::regnamespace) as relations`);
}

describe("config files (DS019)", () => {
  it("rejects a name that does not match its folder, naming the file", async () => {
    const dir = tree({ "cfg-a/0.1.0": config("cfg-b", "0.1.0") });
    await expectSqlState(syncDatasets(db.pool, dir), "DS019", /cfg-a\/0\.1\.0\/config\.toml: field "name"/);
  });

  it("rejects a version that does not match its folder", async () => {
    const dir = tree({ "cfg-a/0.1.0": config("cfg-a", "0.2.0") });
    await expectSqlState(syncDatasets(db.pool, dir), "DS019", /field "version": version "0.2.0" does not match/);
  });

  it("rejects an unknown top-level field, naming it", async () => {
    const dir = tree({ "cfg-a/0.1.0": config("cfg-a", "0.1.0", { extra: "colour = 3" }) });
    await expectSqlState(syncDatasets(db.pool, dir), "DS019", /config\.toml: field "colour": unknown field/);
  });

  it("rejects bad shapes naming the field path, and TOML syntax errors naming the line", async () => {
    await expectSqlState(sync(["cfg-a", "0.1.0", { extra: "chunk = 0" }]), "DS019", /field "chunk"/);
    await expectSqlState(sync(["cfg-a", "0.1.0", { schema: "value = 3" }]), "DS019", /field "schema.value"/);
    await expectSqlState(sync(["cfg-a", "0.1.0", { deps: 'x = { version = "0.1.0", lookbak = 5 }' }]), "DS019", /dependencies.x.lookbak/);
    await expectSqlState(sync(["cfg-a", "0.1.0", { extra: "description = " }]), "DS019", /config\.toml:6:\d+: invalid TOML/);
    await expectSqlState(sync(["cfg-a", "0.1.0", { start: '"yesterday"' }]), "DS019", /field "start-date"/);
  });

  it("checks timeout: a duration with s, m, h or d, else DS019 naming the field", async () => {
    await expectSqlState(sync(["cfg-a", "0.1.0", { extra: "timeout = 30" }]), "DS019", /field "timeout"/);
    await expectSqlState(sync(["cfg-a", "0.1.0", { extra: 'timeout = "0s"' }]), "DS019", /invalid timeout/);
    await expectSqlState(sync(["cfg-a", "0.1.0", { extra: 'timeout = "soon"' }]), "DS019", /invalid timeout/);
  });

  it("rejects a missing builder file", async () => {
    const dir = tree({ "cfg-a/0.1.0": config("cfg-a", "0.1.0", { extra: 'builder = "build.ts"' }) });
    await expectSqlState(syncDatasets(db.pool, dir), "DS019", /builder file "build.ts" not found/);
  });

  it("reports every invalid file before touching the database", async () => {
    const before = await snapshot();
    const dir = tree({ "cfg-a/0.1.0": config("cfg-x", "0.1.0"), "cfg-b/0.1.0": config("cfg-b", "9.9.9"), "cfg-c/0.1.0": config("cfg-c", "0.1.0") });
    const err = await expectSqlState(syncDatasets(db.pool, dir), "DS019", /2 invalid config files/);
    expect(err.message).toMatch(/cfg-a.*cfg-b/);
    expect(await snapshot()).toEqual(before);
  });
});

describe("ds.register_datasets rejects invalid definitions", () => {
  it.each(["01.2.3", "1.2", "1.02.3", "v1.0.0", "1.0.0-", "1.0.0-01"])("rejects the version %s (DS002)", async (version) => {
    await expectSqlState(sync(["bad-semver", version]), "DS002", /invalid version/);
  });

  it("rejects an unknown calendar (DS004), naming the config file", async () => {
    const err = await expectSqlState(sync(["cal-a", "0.1.0", { calendar: "mars" }]), "DS004", /cal-a\/0\.1\.0\/config\.toml: unknown calendar 'mars'/);
    expect((err as { detail?: string }).detail).toMatch(/dataset "cal-a" version "0.1.0", field "calendar"/);
  });

  it("rejects an invalid granularity (DS007)", async () => {
    await expectSqlState(sync(["gran-a", "0.1.0", { granularity: "1w" }]), "DS007");
  });

  it.each([
    ["an unknown schema type", 'value = "floaty"', /unknown schema type 'floaty'/],
    ["an empty schema", "", /empty schema/],
    ["a field named ts", 'ts = "float"', /invalid field name 'ts'/],
    ["an uppercase field name", 'Close = "float"', /invalid field name 'Close'/],
    ["a quoted hostile field name", '"a; drop table x" = "float"', /invalid field name/],
    ["a key column not in the schema", 'value = "float"', /invalid key column/, 'key = ["ticker"]'],
    ["a nullable key column", 'ticker = "str?"', /key column "ticker" is nullable/, 'key = ["ticker"]'],
  ])("rejects %s (DS005)", async (_what, schema, message, extra?: string) => {
    await expectSqlState(sync(["schema-a", "0.1.0", { schema, extra }]), "DS005", message);
  });

  it("rejects a missing dependency (DS006)", async () => {
    await expectSqlState(sync(["dep-a", "0.1.0", { deps: 'nowhere = "0.1.0"' }]), "DS006", /missing dependency nowhere 0.1.0/);
  });

  it("rejects a self-dependency (DS003)", async () => {
    await expectSqlState(sync(["cyc-a", "0.1.0", { deps: 'cyc-a = "0.1.0"' }]), "DS003", /cycle/);
  });

  it("rejects a 2-node cycle (DS003)", async () => {
    const err = await expectSqlState(sync(["cyc-a", "0.1.0", { deps: 'cyc-b = "0.1.0"' }], ["cyc-b", "0.1.0", { deps: 'cyc-a = "0.1.0"' }]), "DS003");
    expect((err as { detail?: string }).detail).toMatch(/cyc-a 0.1.0 -> cyc-b 0.1.0 -> cyc-a 0.1.0/);
  });

  it("rejects a 3-node cycle (DS003)", async () => {
    const err = await expectSqlState(
      sync(["cyc-a", "0.1.0", { deps: 'cyc-b = "0.1.0"' }], ["cyc-b", "0.1.0", { deps: 'cyc-c = "0.1.0"' }], ["cyc-c", "0.1.0", { deps: 'cyc-a = "0.1.0"' }]),
      "DS003",
    );
    expect((err as { detail?: string }).detail).toMatch(/-> cyc-c 0.1.0 ->/);
  });

  it("rejects a dataset finer-grained than its dependency, 1h on 1d (DS008)", async () => {
    await expectSqlState(sync(["fine-root", "0.1.0"], ["fine-child", "0.1.0", { granularity: "1h", deps: 'fine-root = "0.1.0"' }]), "DS008");
  });

  it("rejects a start date before a dependency's (DS009)", async () => {
    await expectSqlState(sync(["early-root", "0.1.0", { start: "2021-01-01" }], ["early-child", "0.1.0", { deps: 'early-root = "0.1.0"' }]), "DS009");
  });

  it.each(['"0d"', '"5x"', '"d"', "0", "-3", '"-5d"', "2.5", '"5"'])("rejects the lookback %s (DS010)", async (lookback) => {
    await expectSqlState(sync(["lb-root", "0.1.0"], ["lb-child", "0.1.0", { deps: `lb-root = { version = "0.1.0", lookback = ${lookback} }` }]), "DS010");
  });
});

describe("hostile and colliding names (DS014) leave no trace", () => {
  it.each(["a; drop table x", 'quo"te', "it's", "Upper", "-dash", "x".repeat(59), "é"])("rejects the dataset name %j", async (name) => {
    const before = await snapshot();
    await expectSqlState(sync([name, "0.1.0"]), "DS014");
    expect(await snapshot()).toEqual(before);
  });

  it("rejects a table name over 58 bytes", async () => {
    await expectSqlState(sync(["n".repeat(52), "0.1.0"]), "DS014", /too long/);
  });

  it("rejects two datasets with one view name", async () => {
    await expectSqlState(sync(["coll-a", "0.1.0"], ["coll_a", "0.1.0"]), "DS014", /collides/);
  });

  it("rejects a view name equal to another dataset's table name", async () => {
    await expectSqlState(sync(["tv", "1.0.0"], ["tv-v1-0-0", "0.1.0"]), "DS014", /view name tv_v1_0_0 collides with a table name/);
  });

  it("rejects two versions with one table name", async () => {
    await expectSqlState(sync(["tt", "1.0.0-a.b"], ["tt", "1.0.0-a-b"]), "DS014", /table name tt_v1_0_0_a_b is taken/);
  });

  it("rejects a name taken by another relation in ds_data", async () => {
    await db.pool.query("create table ds_data.squatter (x int)");
    const before = await snapshot();
    await expectSqlState(sync(["squatter", "0.1.0"]), "DS014", /relation ds_data.squatter already exists/);
    expect(await snapshot()).toEqual(before);
  });
});

describe("what registration creates", () => {
  it("registers a tree in any order, with a typed table, comments and the catalog row", async () => {
    const result = await sync(
      ["typed-child", "0.1.0", { deps: 'typed-root = { version = "0.1.0", lookback = 5 }' }],
      ["typed-root", "0.1.0", {
        extra: 'key = ["ticker", "day"]\ndescription = "All the types."\ntags = { source = "test", rank = 1 }',
        schema: 'ticker = "str"\nn = "int"\nx = "float?"\nok = "bool"\namount = { type = "numeric", nullable = true }\nday = "date"\nat = "timestamp"\nextra = "json"',
      }],
    );
    expect(result).toEqual({ registered: ["typed-child@0.1.0", "typed-root@0.1.0"], updated: [], unchanged: [] });
    // the store has the NOT NULLs; the typed view ds_data.<table> over it the same columns and types
    const columns = await q("select column_name, data_type, is_nullable from information_schema.columns where table_schema = 'ds_store' and table_name = 'typed_root_v0_1_0' order by ordinal_position");
    const viewColumns = await q("select column_name, data_type from information_schema.columns where table_schema = 'ds_data' and table_name = 'typed_root_v0_1_0' order by ordinal_position");
    expect(viewColumns.map((c) => [c.column_name, c.data_type])).toEqual(columns.map((c) => [c.column_name, c.data_type]));
    expect(columns.map((c) => [c.column_name, c.data_type, c.is_nullable])).toEqual([
      ["ts", "timestamp with time zone", "NO"], ["ticker", "text", "NO"], ["n", "bigint", "NO"], ["x", "double precision", "YES"],
      ["ok", "boolean", "NO"], ["amount", "numeric", "YES"], ["day", "date", "NO"], ["at", "timestamp with time zone", "NO"], ["extra", "jsonb", "NO"],
    ]);
    const [pk] = await q<{ def: string }>("select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'typed_root_v0_1_0_pkey'");
    expect(pk!.def).toBe("PRIMARY KEY (ts, ticker, day)");
    const [comments] = await q("select obj_description('ds_data.typed_root_v0_1_0'::regclass) as t, obj_description('ds_data.typed_root'::regclass) as v, col_description('ds_data.typed_root_v0_1_0'::regclass, 4) as c");
    expect(comments).toMatchObject({ t: expect.stringContaining("All the types."), v: expect.stringContaining("newest version of typed-root"), c: expect.stringContaining("float, nullable") });
    const [root] = await q("select * from ds.datasets where name = 'typed-root'");
    expect(root).toMatchObject({ version: "0.1.0", table_name: "ds_data.typed_root_v0_1_0", view_name: "ds_data.typed_root", key: ["ticker", "day"],
      tags: { source: "test", rank: 1 }, chunk: 100, max_attempts: 3, env_vars: false, is_newest: true, builder: "builder.ts" });
    // no timeout in its config: the default deadline of 5 minutes
    const [deadline] = await q("select extract(epoch from timeout)::int as s from ds.datasets where name = 'typed-root'");
    expect(deadline).toEqual({ s: 300 });
    const [child] = await q("select dependencies from ds.datasets where name = 'typed-child'");
    expect(child!.dependencies).toEqual([{ name: "typed-root", version: "0.1.0", lookback: 5, window: "point" }]);
  });

  it("defaults chunk to the points of a week for sub-daily granularities, capped at 10000", async () => {
    await sync(["chunk-m", "0.1.0", { granularity: "1m" }], ["chunk-s", "0.1.0", { granularity: "1s" }], ["chunk-set", "0.1.0", { granularity: "1h", extra: "chunk = 7\nmax-attempts = 5" }]);
    const rows = await q("select name, chunk, max_attempts from ds.datasets where name like 'chunk-%' order by name");
    expect(rows).toEqual([{ name: "chunk-m", chunk: 10000, max_attempts: 3 }, { name: "chunk-s", chunk: 10000, max_attempts: 3 }, { name: "chunk-set", chunk: 7, max_attempts: 5 }]);
  });

  it("re-syncing an unchanged tree changes nothing: same ids, no row updates", async () => {
    const dir = tree({ "same-root/0.1.0": config("same-root", "0.1.0"), "same-child/0.1.0": config("same-child", "0.1.0", { deps: 'same-root = { version = "0.1.0", lookback = "5d" }' }) });
    await syncDatasets(db.pool, dir);
    const read = () => q(`select id, xmin::text, updated_at, to_regclass('ds_data.' || table_name)::oid as table_oid,
                                 to_regclass('ds_data.same_root')::oid as view_oid
                          from ds_private.dataset_versions where name like 'same-%' order by id`);
    const before = await read();
    expect(await syncDatasets(db.pool, dir)).toEqual({ registered: [], updated: [], unchanged: ["same-child@0.1.0", "same-root@0.1.0"] });
    expect(await read()).toEqual(before);
  });

  it("updates description, chunk, tags in place, and refuses a changed schema, start date or dependency (DS011)", async () => {
    await sync(["upd-root", "0.1.0"], ["upd-other", "0.1.0"], ["upd", "0.1.0", { deps: 'upd-root = "0.1.0"' }]);
    const [before] = await q("select id, updated_at from ds_private.dataset_versions where name = 'upd'");
    const result = await sync(["upd-root", "0.1.0"], ["upd-other", "0.1.0"], ["upd", "0.1.0", { deps: 'upd-root = "0.1.0"', extra: 'description = "new"\nchunk = 3\ntags = { a = 1 }' }]);
    expect(result.updated).toEqual(["upd@0.1.0"]);
    const [after] = await q("select id, updated_at, description, chunk, tags from ds_private.dataset_versions where name = 'upd'");
    expect(after).toMatchObject({ id: before!.id, description: "new", chunk: 3, tags: { a: 1 } });
    expect(after!.updated_at).not.toEqual(before!.updated_at);
    await expectSqlState(sync(["upd-root", "0.1.0"], ["upd", "0.1.0", { deps: 'upd-root = "0.1.0"', schema: 'value = "int"' }]), "DS011", /schema of a registered version changed/);
    await expectSqlState(sync(["upd-root", "0.1.0"], ["upd", "0.1.0", { deps: 'upd-root = "0.1.0"', start: "2020-02-01" }]), "DS011", /start-date/);
    await expectSqlState(sync(["upd-other", "0.1.0"], ["upd", "0.1.0", { deps: 'upd-other = "0.1.0"' }]), "DS011", /dependencies/);
    await expectSqlState(sync(["upd-root", "0.1.0"], ["upd", "0.1.0", { deps: 'upd-root = { version = "0.1.0", lookback = "2d" }' }]), "DS011", /dependencies/);
  });

  it("points the dataset view at the newest version in semver order", async () => {
    const newest = async () => (await q<{ v: string }>("select version as v from ds.datasets where name = 'multi' and is_newest"))[0]!.v;
    const viewTable = async () => (await q<{ d: string }>("select pg_get_viewdef('ds_data.multi'::regclass) as d"))[0]!.d;
    await sync(["multi", "0.1.0"]);
    expect(await viewTable()).toMatch(/multi_v0_1_0/);
    await sync(["multi", "0.2.0", { schema: 'value = "float"\nextra = "str"' }]);
    expect(await newest()).toBe("0.2.0");
    expect(await viewTable()).toMatch(/multi_v0_2_0/);
    const cols = await q("select column_name from information_schema.columns where table_schema = 'ds_data' and table_name = 'multi' order by ordinal_position");
    // without key, the implicit row_number comes last
    expect(cols.map((c) => c.column_name)).toEqual(["ts", "value", "extra", "row_number"]);
    await sync(["multi", "0.1.1"], ["multi", "0.3.0-rc.2"], ["multi", "0.3.0-rc.10"], ["multi", "0.3.0-beta"]);
    expect(await newest()).toBe("0.3.0-rc.10");
    await sync(["multi", "0.3.0"]);
    expect(await newest()).toBe("0.3.0");
    expect(await viewTable()).toMatch(/multi_v0_3_0\b/);
  });

  it("accepts a prerelease version and a start date-time with an offset", async () => {
    await sync(["pre", "1.0.0-beta.1", { start: "2020-01-01T09:30:00-05:00", granularity: "1m" }]);
    const [row] = await q<{ start_at: Date; table_name: string }>("select start_at, table_name from ds.datasets where name = 'pre'");
    expect(row!.start_at.toISOString()).toBe("2020-01-01T14:30:00.000Z");
    expect(row!.table_name).toBe("ds_data.pre_v1_0_0_beta_1");
  });

  it("registers one definition through ds.register_dataset", async () => {
    const def = { name: "direct", version: "0.1.0", calendar: "weekday", granularity: "1d", start_date: "2024-01-01", schema: [{ name: "v", type: "int" }] };
    const [row] = await q<{ r: unknown }>("select ds.register_dataset($1::jsonb) as r", [JSON.stringify(def)]);
    expect(row!.r).toEqual({ registered: ["direct@0.1.0"], updated: [], unchanged: [] });
  });

  it("syncs the repository's own builders/, twice", async () => {
    const dir = join(projectRoot(), "builders");
    const first = await syncDatasets(db.pool, dir);
    expect(first.registered).toEqual(["crypto-bars@0.1.0", "crypto-bars-4h@0.1.0", "crypto-sma@0.1.0", "mock-bars-5m@0.1.0", "mock-bars-daily@0.1.0", "mock-daily-close@0.1.0", "mock-daily-close@0.2.0",
      "mock-minute-bars@0.1.0", "mock-moving-avg@0.1.0", "mock-moving-avg@0.2.0", "mock-multi-close@0.1.0", "mock-multi-close@0.2.0",
      "mock-multi-ohlc@0.1.0", "mock-multi-rsi@0.2.0", "mock-ohlc@0.1.0", "mock-tick-bars@0.1.0", "mock-ticks@0.1.0"]);
    expect((await syncDatasets(db.pool, dir)).unchanged).toHaveLength(17);
    const [ohlc] = await q("select table_name, calendar, granularity, start_at from ds.datasets where name = 'mock-ohlc'");
    expect(ohlc).toMatchObject({ table_name: "ds_data.mock_ohlc_v0_1_0", calendar: "everyday", granularity: "1d", start_at: new Date("2020-01-01T00:00:00Z") });
    const [minute] = await q("select chunk, key from ds.datasets where name = 'mock-minute-bars'");
    expect(minute).toEqual({ chunk: 10000, key: ["ticker"] });
  });
});
