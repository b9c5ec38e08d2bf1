/**
 * Named inputs of SQL builders (docs/sql-builders.md): :chunk_start, :chunk_end,
 * :window_start and :"dependency" are compiled (ds_private.compile_builder_sql) into the
 * $1/$2/$3 form and the dependency's windowed versioned table; that form keeps working.
 * :windowed("dependency") gives each point with the rows its own window reads, by the one
 * rule in SQL: no interval written by hand.
 */
import { describe, expect, it } from "vitest";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("sql-builder-names");

/** v-day-sql (test/fixtures, in the $1/$2/$3 form) written with named inputs instead. */
const NAMED_V_DAY_SQL = `select p as ts, :window_start as lookback_start, count(h.ts) as n, min(h.ts) as first_hour, max(h.ts) as last_hour
from generate_series(:chunk_start, :chunk_end - interval '1 day', interval '1 day') p
left join :"v-hourly" h on h.ts between p - interval '23 hours' and p
group by p`;

/** The same with :windowed("v-hourly"): the window [T - 23h, T] comes from the dependency's lookback, not the SQL. */
const WINDOWED_V_DAY_SQL = `select w.point as ts, :window_start as lookback_start, count(*) as n, min(w.ts) as first_hour, max(w.ts) as last_hour
from :windowed("v-hourly") w
group by w.point`;

async function compiled(name: string, sql: string | null): Promise<string> {
  const client = await db.pool.connect();
  try {
    await client.query("begin");
    if (sql !== null) await client.query("update ds_private.dataset_versions set builder_sql = $2 where name = $1 and version = '0.1.0'", [name, sql]);
    const { rows } = await client.query(
      "select ds_private.compile_builder_sql(id) as sql from ds_private.dataset_versions where name = $1 and version = '0.1.0'", [name]);
    return rows[0].sql;
  } finally {
    await client.query("rollback");
    client.release();
  }
}

describe("ds_private.compile_builder_sql", () => {
  it("compiles a named builder.sql into parameters and its dependency's windowed table", async () => {
    const sql = await compiled("v-day-sql", NAMED_V_DAY_SQL);
    expect(sql).toContain("(select * from ds_data.v_hourly_v0_1_0 where ts >= $3 and ts < $2) h");
    expect(sql).toContain("$3 as lookback_start");
    expect(sql).toContain("generate_series($1, $2 - interval '1 day'");
    expect(sql).not.toMatch(/:chunk_|:window_|:"v-hourly"/);
  });

  it("leaves the $1/$2/$3 form, casts and JSON strings as they are", async () => {
    const text = `select $1::timestamptz as ts, 'x'::"char" as c, '{"a":"b"}'::jsonb as j, x::text from ds_data.t_root_v0_1_0 x where x.ts >= $3 and x.ts < $2`;
    expect(await compiled("t-sql-sum", text)).toBe(text);
  });

  it("replaces only whole names, everywhere they occur", async () => {
    const text = `select :chunk_start as a, :chunk_start_x as b, :chunk_end as c, :window_start as d from :"t-root" r join :"t-root" s using (ts)`;
    expect(await compiled("t-sql-sum", text)).toBe(
      `select $1 as a, :chunk_start_x as b, $2 as c, $3 as d from (select * from ds_data.t_root_v0_1_0 where ts >= $3 and ts < $2) r join (select * from ds_data.t_root_v0_1_0 where ts >= $3 and ts < $2) s using (ts)`);
  });

  it("compiles :windowed(\"dependency\") into the points of the run joined with the rows of their windows", async () => {
    const sql = await compiled("v-day-sql", WINDOWED_V_DAY_SQL);
    expect(sql).toMatch(/from \(select w\.point, d\.\* from ds_private\.point_windows\(\(select e from ds_private\.dependencies e where e\.dataset_version_id = \d+ and e\.depends_on_id = \d+\), tstzmultirange\(tstzrange\(\$1, \$2\)\)\) w join ds_data\.v_hourly_v0_1_0 d on d\.ts >= lower\(w\.reach\) and d\.ts < upper\(w\.reach\)\) w/);
    expect(sql).not.toMatch(/:windowed/);
  });

  it("refuses :windowed(\"x\") when x is not a dependency, naming the dependencies (DS019)", async () => {
    const err = await compiled("v-day-sql", `select w.point as ts from :windowed("v-minute") w`).then(() => null, (e: { code?: string; message: string; detail?: string }) => e);
    expect(err?.code).toBe("DS019");
    expect(err?.message).toMatch(/:windowed\("v-minute"\) names no dependency/);
    expect(err?.detail).toMatch(/Its dependencies: v-hourly\./);
  });

  it("refuses at registration a name that is not a dependency (DS019)", async () => {
    const client = await db.pool.connect();
    try {
      await client.query("begin");
      await client.query(`update ds_private.dataset_versions set builder_sql = 'select ts from :"not-a-dependency"' where name = 't-sql-sum' and version = '0.1.0'`);
      const err = await client.query("select ds_private.check_builder_sql(id) from ds_private.dataset_versions where name = 't-sql-sum' and version = '0.1.0'")
        .then(() => null, (e: { code?: string; message: string }) => e);
      expect(err?.code).toBe("DS019");
      expect(err?.message).toMatch(/does not compile/);
    } finally {
      await client.query("rollback");
      client.release();
    }
  });
});

describe("a SQL builder with named inputs", () => {
  it("builds what its $1/$2/$3 form builds: :window_start = the first hour any point reads, the hours [T - 23h, T]", async () => {
    // this test file's own database: the version's SQL is replaced for good here
    await db.q("update ds_private.dataset_versions set builder_sql = $1 where name = 'v-day-sql' and version = '0.1.0'", [NAMED_V_DAY_SQL]);
    const { id } = await db.one<{ id: number }>("select ds.build('v-day-sql', '0.1.0', '2024-01-02', '2024-01-03') as id");
    expect((await db.one<{ state: string }>("select ds.wait($1, '120 seconds') as state", [id])).state).toBe("succeeded");
    const rows = await db.q("select * from ds_data.v_day_sql_v0_1_0 order by ts");
    expect(rows).toEqual([
      { ts: new Date("2024-01-02T00:00:00Z"), lookback_start: new Date("2024-01-01T01:00:00Z"), n: 24,
        first_hour: new Date("2024-01-01T01:00:00Z"), last_hour: new Date("2024-01-02T00:00:00Z"), row_number: 1 },
      { ts: new Date("2024-01-03T00:00:00Z"), lookback_start: new Date("2024-01-01T01:00:00Z"), n: 24,
        first_hour: new Date("2024-01-02T01:00:00Z"), last_hour: new Date("2024-01-03T00:00:00Z"), row_number: 1 },
    ]);
  });

  it("builds the same rows with :windowed(\"v-hourly\"): each day with the 24 hours [T - 23h, T] its lookback reads", async () => {
    await db.q("update ds_private.dataset_versions set builder_sql = $1 where name = 'v-day-sql' and version = '0.1.0'", [WINDOWED_V_DAY_SQL]);
    await db.q("truncate ds_store.v_day_sql_v0_1_0");
    await db.q("update ds_private.dataset_versions set coverage = '{}' where name = 'v-day-sql' and version = '0.1.0'");
    const { id } = await db.one<{ id: number }>("select ds.build('v-day-sql', '0.1.0', '2024-01-02', '2024-01-04') as id");
    expect((await db.one<{ state: string }>("select ds.wait($1, '120 seconds') as state", [id])).state).toBe("succeeded");
    const rows = await db.q<{ ts: Date; n: number; first_hour: Date; last_hour: Date }>("select ts, n, first_hour, last_hour from ds_data.v_day_sql_v0_1_0 order by ts");
    expect(rows).toEqual([2, 3, 4].map((d) => ({
      ts: new Date(`2024-01-0${d}T00:00:00Z`), n: 24, first_hour: new Date(`2024-01-0${d - 1}T01:00:00Z`), last_hour: new Date(`2024-01-0${d}T00:00:00Z`),
    })));
  });
});
