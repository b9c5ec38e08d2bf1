/**
 * Packed partitions under builds (issue 9, point 3; docs/storage.md "Packed partitions"): a
 * dependent builds from packed rows exactly as from unpacked ones (the worker reads the view),
 * a chunk that writes into a packed partition unpacks it in its own transaction, and a
 * deleted range of a packed partition is rebuilt to the same rows.
 */
import { describe, expect, it } from "vitest";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("packing-builds");
const rows = (table: string) => db.q<{ r: string }>(`select x::text as r from ds_data.${table} x order by ts`).then((r) => r.map((x) => x.r));
const packed = (table: string) => db.one<{ n: number }>(`select coalesce(sum("@rows"), 0)::int as n from ds_packed.${table}`).then((r) => r.n);
const partitions = (table: string) => db.one<{ n: number }>(`select count(*)::int as n from pg_inherits where inhparent = 'ds_store.${table}'::regclass`).then((r) => r.n);
async function build(dataset: string, from: string, to: string): Promise<void> {
  const { id } = await db.one<{ id: string }>("select ds.build($1, '0.1.0', $2, $3) as id", [dataset, from, to]);
  expect((await db.one<{ s: string }>("select ds.wait($1, '60 s') as s", [id])).s).toBe("succeeded");
}

describe("packed partitions and builds", () => {
  it("a dependent builds the same rows from packed rows; chunks and deletes unpack what they reach", async () => {
    await build("t-child", "2024-01-05", "2024-01-20");
    const root = await rows("t_root_v0_1_0");
    const child = await rows("t_child_v0_1_0");
    expect(child).toHaveLength(16);

    // t-root's 2024 partition (a year: daily data) packed; the child's rows deleted and rebuilt
    expect(await db.q("select partitions, rows::int from ds.pack('t-root', '0.1.0', '2025-01-01')")).toEqual([{ partitions: 1, rows: root.length }]);
    expect(await partitions("t_root_v0_1_0")).toBe(0);
    await db.q("select * from ds.delete('t-child', '0.1.0', '2024-01-01', '2024-12-31')");
    await build("t-child", "2024-01-05", "2024-01-20");
    expect(await rows("t_child_v0_1_0")).toEqual(child);
    expect(await packed("t_root_v0_1_0")).toBe(root.length);

    // a chunk of new root points lands in the packed partition: unpacked first, in the chunk's transaction
    await build("t-root", "2024-01-21", "2024-01-25");
    expect(await packed("t_root_v0_1_0")).toBe(0);
    expect(await partitions("t_root_v0_1_0")).toBe(1);
    const grown = await rows("t_root_v0_1_0");
    expect(grown.slice(0, root.length)).toEqual(root);
    expect(grown).toHaveLength(root.length + 5);

    // packed again; a delete inside it unpacks, and the rebuild gives the same rows
    await db.q("select * from ds.pack('t-root', '0.1.0', '2025-01-01')");
    expect(await db.q("select deleted::int from ds.delete('t-root', '0.1.0', '2024-01-10', '2024-01-12')")).toEqual([{ deleted: 3 }]);
    expect(await packed("t_root_v0_1_0")).toBe(0);
    await build("t-root", "2024-01-10", "2024-01-12");
    expect(await rows("t_root_v0_1_0")).toEqual(grown);
    expect(await db.q("select * from ds.missing('t-root', '0.1.0', '2024-01-03', '2024-01-25')")).toEqual([]);
  });
});
