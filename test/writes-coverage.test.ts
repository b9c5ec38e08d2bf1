/**
 * Coverage over written data (issue 7, data bug 8): a point of a dataset built on a written
 * dataset is built only where the written slots it reads are covered (written, or declared
 * complete with covers), so an hourly bucket never counts part of an hour's rows as
 * complete. Fixtures: w-minutes (written, 1m NYSE), w-minutes-1h (downsample count/sum of
 * it), w-minutes-copy (a 1-minute transform of it) and w-minutes-copy-1h (hourly of that).
 */
import { describe, expect, it } from "vitest";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("writes-coverage");

/** 2024-03-01 (EST, session 14:30-21:00 UTC): minute m of the UTC hour h. */
const at = (h: number, m: number) => `2024-03-01T${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:00Z`;
const write = (h: number, minutes: number[], covers: string | null = null) =>
  db.one<{ written: number }>("select written::int from ds.write('w-minutes', '0.1.0', $1::jsonb, $2::tstzrange)",
    [JSON.stringify(minutes.map((m) => ({ ts: at(h, m), ticker: "A", value: m }))), covers]);
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const build = async (name: string, h: number, last = 0) => {
  const { id } = await db.one<{ id: number }>("select ds.build($1, '0.1.0', $2, $3) as id", [name, at(h, 0), at(h, last)]);
  expect((await db.one<{ s: string }>("select ds.wait($1, '60 seconds') as s", [id])).s).toBe("succeeded");
};
const hour = (name: string, h: number) =>
  db.q("select (data ->> 'value_count')::int as count, (data ->> 'value_sum')::float as sum from ds.data($1, '0.1.0', $2, $2)", [name, at(h, 0)]);
const coverage = async (name: string) => (await db.one<{ c: string }>("select coverage::text as c from ds.datasets where name = $1", [name])).c;
const missing = (name: string, h: number) =>
  db.q<{ r: string }>("select r::text from ds.missing($1, '0.1.0', $2, $3) r", [name, at(h, 0), at(h, 59)]).then((rows) => rows.map((x) => x.r));
const sum = (minutes: number[]) => minutes.reduce((a, b) => a + b, 0);

describe("coverage of written data", () => {
  it("a written dataset covers exactly the slots written and the ranges declared complete", async () => {
    await write(16, range(0, 12));
    expect(await coverage("w-minutes")).toBe('{["2024-03-01 16:00:00+00","2024-03-01 16:12:00+00")}');
    await write(17, [5], `[${at(17, 30)}, ${at(17, 40)})`);
    expect(await coverage("w-minutes")).toBe('{["2024-03-01 16:00:00+00","2024-03-01 16:12:00+00"),["2024-03-01 17:05:00+00","2024-03-01 17:06:00+00"),["2024-03-01 17:30:00+00","2024-03-01 17:40:00+00")}');
  });

  it("a 1-minute dataset over written data builds only the written minutes: the rest stays missing, not built empty", async () => {
    await build("w-minutes-copy", 16, 59);
    await build("w-minutes-copy-1h", 16);
    expect(await coverage("w-minutes-copy")).toBe('{["2024-03-01 16:00:00+00","2024-03-01 16:12:00+00")}');
    expect(await db.one("select count(*)::int as n from ds_data.w_minutes_copy_v0_1_0")).toEqual({ n: 12 });
    // the hour over it is incomplete: not built, no row counting 12 of its minutes
    expect(await hour("w-minutes-copy-1h", 16)).toEqual([]);
    expect(await missing("w-minutes-copy-1h", 16)).toEqual(['["2024-03-01 16:00:00+00","2024-03-01 17:00:00+00")']);
  });

  it("once the hour is written and declared complete, its bucket counts every written row (18, not 12)", async () => {
    await write(16, range(12, 18), `[${at(16, 0)}, ${at(17, 0)})`);
    await build("w-minutes-copy-1h", 16);
    expect(await hour("w-minutes-copy-1h", 16)).toEqual([{ count: 18, sum: sum(range(0, 18)) }]);
    expect(await coverage("w-minutes-copy")).toBe('{["2024-03-01 16:00:00+00","2024-03-01 17:00:00+00")}');
  });

  it("a row written later into the complete hour is counted after the next build", async () => {
    await write(16, [30]);
    await build("w-minutes-copy-1h", 16);
    expect(await hour("w-minutes-copy-1h", 16)).toEqual([{ count: 19, sum: sum(range(0, 18)) + 30 }]);
  });

  it("a downsample straight over written data: an hour with 18 written minutes is missing, then counts all 18", async () => {
    await write(18, range(0, 18));
    await build("w-minutes-1h", 18);
    expect(await hour("w-minutes-1h", 18)).toEqual([]);
    expect(await missing("w-minutes-1h", 18)).toEqual(['["2024-03-01 18:00:00+00","2024-03-01 19:00:00+00")']);
    expect(await db.one("select count(*)::int as n from ds.builds b join ds_private.build_tasks bt on bt.build_id = b.id where b.dataset = 'w-minutes-1h'"))
      .toEqual({ n: 0 });
    await write(18, [], `[${at(18, 0)}, ${at(19, 0)})`);
    await build("w-minutes-1h", 18);
    expect(await hour("w-minutes-1h", 18)).toEqual([{ count: 18, sum: sum(range(0, 18)) }]);
  });
});
