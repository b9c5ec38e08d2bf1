/**
 * The worker's write path (issue 8): rows stream from the builder thread into COPY, in
 * COPY's binary format for schemas of str, int, float, bool and json fields. What
 * PostgreSQL stores is exactly the builder's values; a chunk that fails after some of its
 * rows were already streamed into COPY leaves nothing behind.
 */
import { describe, expect, it } from "vitest";
import { from as copyFrom } from "pg-copy-streams";
import { BinaryRows } from "../worker/copy-binary.ts";
import { copyFormat } from "../worker/copy-rows.ts";
import { ROWS } from "./fixtures/builders/t-binary/0.1.0/builder.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("copy_streaming");

async function buildAndWait(dataset: string, start: string, end: string) {
  const { id } = await db.one<{ id: number }>("select ds.build($1, '0.1.0', $2, $3) as id", [dataset, start, end]);
  const { state } = await db.one<{ state: string }>("select ds.wait($1, '60 seconds') as state", [id]);
  const build = await db.one<{ error: string | null; error_code: string | null }>("select error, error_code from ds.builds where id = $1", [id]);
  return { id, state, ...build };
}

describe("streamed COPY", () => {
  it("writes str, int, float, bool and json values in binary exactly as the builder returned them, numbered in order", async () => {
    const { schema } = await db.one<{ schema: never }>("select schema from ds_private.dataset_versions where name = 't-binary'");
    expect(copyFormat(schema)).toBe("binary");
    const r = await buildAndWait("t-binary", "2024-01-01", "2024-01-02");
    expect(r.state).toBe("succeeded");
    const stored = await db.q<{ day: number; row_number: number; s: string | null; i: string | null; f: number | null; b: boolean | null; j: unknown }>(
      `select extract(day from ts at time zone 'UTC')::int as day, row_number, s, i::text as i, f, b, j
       from ds_data.t_binary_v0_1_0 order by ts, row_number`);
    const expected = (rows: typeof ROWS, day: number) => rows.map((row, k) => ({
      day, row_number: k + 1, s: row.s, i: row.i === null ? null : String(row.i), f: row.f === null ? null : row.f === 0 ? 0 : row.f, b: row.b, j: row.j,
    }));
    expect(stored).toEqual([...expected(ROWS, 1), ...expected([...ROWS].reverse(), 2)]);
  });

  it("rolls back rows already streamed into COPY when the chunk times out later (DS031)", async () => {
    const r = await buildAndWait("t-stream-hang", "2024-01-01", "2024-01-03");
    expect(r.state).toBe("failed");
    expect(r.error_code).toBe("DS031");
    // the first point's 20,000 rows (several blocks) went into the open COPY before the hang
    expect((await db.one<{ n: number }>("select count(*)::int as n from ds_data.t_stream_hang_v0_1_0")).n).toBe(0);
    const missing = await db.q<{ r: string }>("select r::text from ds.missing('t-stream-hang', '0.1.0', '2024-01-01', '2024-01-03') r");
    expect(missing.map((m) => m.r)).toEqual(['["2024-01-01 00:00:00+00","2024-01-04 00:00:00+00")']);
    // the worker's connection is usable again: another build runs to the end
    expect((await buildAndWait("t-binary", "2024-01-05", "2024-01-05")).state).toBe("succeeded");
  });

  it("makes room for the fields after a text value that grew the block's buffer mid-row", async () => {
    // buffers of 64 bytes: every text value and row grows them; strings of up to 700k
    // characters (multi-byte too) with fixed-size fields after them, in COPY into PostgreSQL
    const fields = [
      { name: "s", type: "str", nullable: true }, { name: "i", type: "int", nullable: true },
      { name: "j", type: "json", nullable: true }, { name: "f", type: "float", nullable: true }, { name: "b", type: "bool", nullable: true },
    ] as const;
    const rows = [
      { s: "é".repeat(700_000), i: 1, j: { k: "日".repeat(40_000) }, f: 1.5, b: true },
      { s: "x", i: -2, j: [1], f: -0.25, b: false },
      { s: "🚀".repeat(30_000), i: 3, j: null, f: 1e300, b: null },
    ];
    const encoder = new BinaryRows([...fields], true, 64);
    encoder.add(new Date("2024-01-01T00:00:00Z"), rows);
    const block = encoder.take(true)!;
    const client = await db.pool.connect();
    try {
      await client.query("create temp table enc (ts timestamptz, s text, i bigint, j jsonb, f float8, b boolean, row_number integer)");
      await new Promise<void>((resolve, reject) => {
        const stream = client.query(copyFrom("copy enc from stdin with (format binary)"));
        stream.on("finish", resolve).on("error", reject);
        stream.end(block);
      });
      const stored = (await client.query("select s, i::int as i, j, f, b, row_number from enc order by row_number")).rows;
      expect(stored).toEqual(rows.map((r, k) => ({ ...r, row_number: k + 1 })));
    } finally {
      await client.query("drop table if exists enc");
      client.release();
    }
  });
});
