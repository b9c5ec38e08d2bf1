/**
 * Issue 8, item 3: ds.asof is one merge of both inputs (a window over the union, sorted by
 * by group and then by when a row is known). Edge cases a merge can get wrong, checked on
 * small hand-made cases and against a direct implementation of the definition (for each
 * left row, the last right row in (known, ts, key) order with the same by values, known at
 * or before its ts) on seeded random rows: equal timestamps on both sides, several keys
 * interleaved, several right rows at one timestamp, nulls in a by field, no right row, right
 * rows only after, right rows before start_at, keyless datasets on either side, and the
 * tolerance (inclusive boundary, none, zero).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { syncDatasets } from "../datasets/sync.ts";
import { ensurePartitions } from "../db/ensure-partitions.ts";
import { useTestDatabase } from "./support/test-database.ts";

const db = useTestDatabase("asof-merge");

type Row = Record<string, string | number | null> & { ts: number };
interface Dataset {
  name: string;
  key: string[];
  schema: Record<string, string>;
}

/** Right datasets (quotes, bars) and left ones (trades, ticks), keyed and keyless, on a 1-second grid. */
const QUOTES: Dataset = { name: "am-quotes", key: ["ticker", "venue"], schema: { ticker: "str", venue: "str", tag: "str?", bid: "float" } };
const BARS: Dataset = { name: "am-bars", key: [], schema: { ticker: "str", tag: "str?", bid: "float" } };
const TRADES: Dataset = { name: "am-trades", key: ["ticker", "seq"], schema: { ticker: "str", seq: "int", tag: "str?", price: "float" } };
const TICKS: Dataset = { name: "am-ticks", key: [], schema: { ticker: "str", tag: "str?", price: "float" } };
const DATASETS = [QUOTES, BARS, TRADES, TICKS];
const T0 = Date.parse("2024-03-01T10:00:00Z");
const iso = (second: number) => new Date(T0 + second * 1000).toISOString();

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "ds-asof-merge-"));
  try {
    for (const d of DATASETS) {
      mkdirSync(join(dir, d.name, "0.1.0"), { recursive: true });
      const schema = Object.entries(d.schema).map(([f, t]) => `${f} = "${t}"`).join("\n");
      writeFileSync(join(dir, d.name, "0.1.0", "config.toml"), `name = "${d.name}"\nversion = "0.1.0"\ncalendar = "always-open"\n`
        + `granularity = "1s"\nstart-date = 2024-01-01\nkey = [${d.key.map((k) => `"${k}"`).join(", ")}]\n[schema]\n${schema}\n`);
      writeFileSync(join(dir, d.name, "0.1.0", "builder.ts"), "export function build() {\n  return [];\n}\n");
    }
    await syncDatasets(db.pool, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Replace the rows of a dataset's table (ts in seconds from T0; a keyless dataset numbers the rows of a timestamp in order). */
async function fill(d: Dataset, rows: Row[]): Promise<void> {
  const { rows: [t] } = await db.pool.query<{ t: string }>("select (ds_private.find_version($1, '0.1.0')).table_name as t", [d.name]);
  const seen = new Map<number, number>();
  const json = rows.map((r) => {
    const n = (seen.get(r.ts) ?? 0) + 1;
    seen.set(r.ts, n);
    return { ...r, ts: iso(r.ts), ...(d.key.length === 0 ? { row_number: n } : {}) };
  });
  await db.pool.query(`truncate ds_store."${t!.t}"`);
  const seconds = rows.map((r) => r.ts);
  if (rows.length) await ensurePartitions(db.pool, t!.t, iso(seconds.reduce((a, b) => Math.min(a, b))), iso(seconds.reduce((a, b) => Math.max(a, b))));
  await db.pool.query(`insert into ds_store."${t!.t}" select * from jsonb_populate_recordset(null::ds_data."${t!.t}", $1)`, [JSON.stringify(json)]);
}

interface Joined {
  ts: string;
  left: Record<string, unknown>;
  rightTs: string | null;
  right: Record<string, unknown> | null;
}

/** ds.asof; tolerance in seconds (undefined: the default, any age). */
async function asof(left: Dataset, right: Dataset, start: number, end: number, by: string[], available: "end" | "label", tolerance?: number): Promise<Joined[]> {
  const { rows } = await db.pool.query<{ ts: Date; left_data: Record<string, unknown>; right_ts: Date | null; right_data: Record<string, unknown> | null }>(
    `select * from ds.asof($1, '0.1.0', $2, '0.1.0', $3, $4, $5, available => $6${tolerance === undefined ? "" : ", tolerance => $7 * interval '1 second'"})`,
    [left.name, right.name, iso(start), iso(end), by, available, ...(tolerance === undefined ? [] : [tolerance])]);
  return rows.map((r) => ({ ts: r.ts.toISOString(), left: r.left_data, rightTs: r.right_ts?.toISOString() ?? null, right: r.right_data }));
}

/** Compare two rows of a dataset in (ts, key) order; a keyless dataset's rows of one timestamp keep their order (row_number). */
function byKey(d: Dataset): (a: Row & { n: number }, b: Row & { n: number }) => number {
  return (a, b) => {
    if (a.ts !== b.ts) return a.ts - b.ts;
    for (const k of d.key) if (a[k] !== b[k]) return (a[k] as string | number) < (b[k] as string | number) ? -1 : 1;
    return a.n - b.n;
  };
}

/**
 * The as-of join by its definition: for each left row, the last right row in (ts, key) order
 * with the same by values (null equals null) known at or before it, if it is at most
 * tolerance seconds older than the left row.
 */
function expected(left: Dataset, leftRows: Row[], right: Dataset, rightRows: Row[], start: number, end: number, by: string[], available: "end" | "label",
  tolerance?: number): Joined[] {
  const data = (r: Row) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== "ts" && k !== "n"));
  const known = (r: Row) => (available === "end" ? r.ts + 1 : r.ts); // a 1-second bar is complete at its end
  const number = (rows: Row[]) => rows.map((r, i) => ({ ...r, n: i }) as Row & { n: number });
  const rights = number(rightRows).sort(byKey(right));
  return number(leftRows).filter((l) => l.ts >= start && l.ts <= end).sort(byKey(left)).map((l) => {
    const last = rights.filter((r) => known(r) <= l.ts && by.every((b) => r[b] === l[b])).at(-1);
    const match = last && (tolerance === undefined || last.ts >= l.ts - tolerance) ? last : undefined;
    return { ts: iso(l.ts), left: data(l), rightTs: match ? iso(match.ts) : null, right: match ? data(match) : null };
  });
}

/** A small seeded generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rowsOf(d: Dataset, count: number, seconds: number, next: () => number): Row[] {
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]!;
  const rows: Row[] = [];
  const used = new Set<string>();
  for (let i = 0; i < count; i++) {
    // prices in quarters: exact in float8 and in jsonb numeric
    const row: Row = { ts: Math.floor(next() * seconds), ticker: pick(["AA", "BB", "CC"]), tag: pick([null, "X", "Y"]) };
    if ("venue" in d.schema) row.venue = pick(["N", "P", "Q"]);
    if ("seq" in d.schema) row.seq = Math.floor(next() * 4);
    row["bid" in d.schema ? "bid" : "price"] = 100 + Math.floor(next() * 400) / 4;
    const key = JSON.stringify([row.ts, ...d.key.map((k) => row[k])]);
    if (d.key.length > 0 && used.has(key)) continue; // the primary key (ts, key) is unique
    used.add(key);
    rows.push(row);
  }
  return rows;
}

describe("ds.asof as a merge: hand-made edge cases", () => {
  it("at equal timestamps a right row is seen with available => 'label', and from one step later by default", async () => {
    await fill(QUOTES, [{ ts: 9, ticker: "AA", venue: "N", tag: null, bid: 1 }, { ts: 10, ticker: "AA", venue: "N", tag: null, bid: 2 }]);
    await fill(TRADES, [{ ts: 10, ticker: "AA", seq: 0, tag: null, price: 5 }, { ts: 11, ticker: "AA", seq: 0, tag: null, price: 6 }]);
    expect((await asof(TRADES, QUOTES, 0, 20, ["ticker"], "label")).map((r) => r.right?.bid)).toEqual([2, 2]);
    expect((await asof(TRADES, QUOTES, 0, 20, ["ticker"], "end")).map((r) => r.right?.bid)).toEqual([1, 2]);
  });

  it("joins nothing (right_ts and right_data null) without a right row of the group, or with right rows only after", async () => {
    await fill(QUOTES, [{ ts: 30, ticker: "AA", venue: "N", tag: null, bid: 1 }, { ts: 5, ticker: "BB", venue: "N", tag: null, bid: 2 }]);
    await fill(TRADES, [{ ts: 10, ticker: "AA", seq: 0, tag: null, price: 5 }, { ts: 10, ticker: "CC", seq: 0, tag: null, price: 6 }]);
    const rows = await asof(TRADES, QUOTES, 0, 20, ["ticker"], "label");
    expect(rows.map((r) => [r.left.ticker, r.rightTs, r.right])).toEqual([["AA", null, null], ["CC", null, null]]);
    // without by, the latest right row of any group: BB's
    expect((await asof(TRADES, QUOTES, 0, 20, [], "label")).map((r) => r.right?.ticker)).toEqual(["BB", "BB"]);
  });

  it("takes the last right row in key order among those of one timestamp, and a keyless dataset's last row", async () => {
    await fill(QUOTES, [{ ts: 5, ticker: "AA", venue: "Q", tag: null, bid: 3 }, { ts: 5, ticker: "AA", venue: "N", tag: null, bid: 1 },
      { ts: 5, ticker: "AA", venue: "P", tag: null, bid: 2 }]);
    await fill(BARS, [{ ts: 5, ticker: "AA", tag: null, bid: 7 }, { ts: 5, ticker: "AA", tag: null, bid: 8 }, { ts: 4, ticker: "AA", tag: null, bid: 9 }]);
    await fill(TICKS, [{ ts: 6, ticker: "AA", tag: null, price: 1 }, { ts: 6, ticker: "AA", tag: null, price: 2 }]);
    const quotes = await asof(TICKS, QUOTES, 0, 20, ["ticker"], "label");
    expect(quotes.map((r) => [r.left.price, r.right?.venue])).toEqual([[1, "Q"], [2, "Q"]]);
    expect(quotes[0]!.left).toEqual({ ticker: "AA", tag: null, price: 1 }); // no row_number in a keyless row's data
    const bars = await asof(TICKS, BARS, 0, 20, ["ticker"], "label");
    expect(bars.map((r) => r.right)).toEqual([{ ticker: "AA", tag: null, bid: 8 }, { ticker: "AA", tag: null, bid: 8 }]);
  });

  it("matches a null by value with a null one only (like GROUP BY), across interleaved groups", async () => {
    await fill(QUOTES, [{ ts: 1, ticker: "AA", venue: "N", tag: null, bid: 1 }, { ts: 2, ticker: "BB", venue: "N", tag: "X", bid: 2 },
      { ts: 3, ticker: "CC", venue: "N", tag: null, bid: 3 }, { ts: 4, ticker: "AA", venue: "N", tag: "X", bid: 4 }]);
    await fill(TRADES, [{ ts: 5, ticker: "AA", seq: 0, tag: null, price: 1 }, { ts: 5, ticker: "AA", seq: 1, tag: "X", price: 2 },
      { ts: 5, ticker: "BB", seq: 0, tag: "Y", price: 3 }]);
    expect((await asof(TRADES, QUOTES, 0, 20, ["tag"], "label")).map((r) => r.right?.bid ?? null)).toEqual([3, 4, null]);
    expect((await asof(TRADES, QUOTES, 0, 20, ["ticker", "tag"], "label")).map((r) => r.right?.bid ?? null)).toEqual([1, 4, null]);
  });

  it("finds right rows before start_at, per group", async () => {
    await fill(QUOTES, [{ ts: 1, ticker: "AA", venue: "N", tag: null, bid: 1 }, { ts: 50, ticker: "BB", venue: "N", tag: null, bid: 2 }]);
    await fill(TRADES, [{ ts: 55, ticker: "AA", seq: 0, tag: null, price: 1 }, { ts: 55, ticker: "BB", seq: 0, tag: null, price: 2 }]);
    expect((await asof(TRADES, QUOTES, 52, 60, ["ticker"], "end")).map((r) => r.rightTs)).toEqual([iso(1), iso(50)]);
  });
});

describe("ds.asof's tolerance", () => {
  it("matches a right row at most tolerance older than the left row (inclusive), else nothing; null: any age", async () => {
    await fill(QUOTES, [{ ts: 7, ticker: "AA", venue: "N", tag: null, bid: 1 }, { ts: 20, ticker: "AA", venue: "N", tag: null, bid: 2 }]);
    await fill(TRADES, [{ ts: 10, ticker: "AA", seq: 0, tag: null, price: 5 }, { ts: 20, ticker: "AA", seq: 0, tag: null, price: 6 }]);
    const bids = async (available: "end" | "label", tolerance?: number) =>
      (await asof(TRADES, QUOTES, 0, 30, ["ticker"], available, tolerance)).map((r) => r.right?.bid ?? null);
    expect(await bids("label", 3)).toEqual([1, 2]);
    expect(await bids("label", 2)).toEqual([null, 2]);
    expect(await bids("label", 0)).toEqual([null, 2]);
    expect(await bids("label")).toEqual([1, 2]);
    // by default the 20 s quote is known at 21 s: the 20 s trade meets the 7 s one, 13 s old
    expect(await bids("end", 13)).toEqual([1, 1]);
    expect(await bids("end", 12)).toEqual([1, null]);
    expect(await bids("label", -1)).toEqual([null, null]);
  });

  it("finds the right rows of the tolerance before start_at", async () => {
    await fill(QUOTES, [{ ts: 1, ticker: "AA", venue: "N", tag: null, bid: 1 }, { ts: 48, ticker: "BB", venue: "N", tag: null, bid: 2 }]);
    await fill(TRADES, [{ ts: 55, ticker: "AA", seq: 0, tag: null, price: 1 }, { ts: 55, ticker: "BB", seq: 0, tag: null, price: 2 }]);
    expect((await asof(TRADES, QUOTES, 52, 60, ["ticker"], "label", 7)).map((r) => r.rightTs)).toEqual([null, iso(48)]);
    expect((await asof(TRADES, QUOTES, 52, 60, ["ticker"], "label", 54)).map((r) => r.rightTs)).toEqual([iso(1), iso(48)]);
  });
});

describe("ds.asof as a merge agrees with the definition on random rows", () => {
  const pairs: Array<[Dataset, Dataset]> = [[TRADES, QUOTES], [TICKS, BARS], [TRADES, BARS], [TICKS, QUOTES]];
  for (const [left, right] of pairs) {
    it(`${left.name} onto ${right.name}: every by, both availabilities, several ranges`, async () => {
      const next = random(left.name.length * 31 + right.name.length);
      for (let round = 0; round < 3; round++) {
        const rightRows = rowsOf(right, 120, 60, next);
        const leftRows = rowsOf(left, 120, 60, next);
        await fill(right, rightRows);
        await fill(left, leftRows);
        for (const by of [[], ["ticker"], ["tag"], ["ticker", "tag"]]) {
          for (const available of ["label", "end"] as const) {
            for (const [start, end, tolerance] of [[0, 59, undefined], [20, 40, undefined], [45, 45, undefined], [0, 59, 0], [10, 50, 3]] as const) {
              const got = await asof(left, right, start, end, by, available, tolerance);
              expect(got, `round ${round}, by ${by.join(",")}, ${available}, [${start}, ${end}], tolerance ${tolerance}`)
                .toEqual(expected(left, leftRows, right, rightRows, start, end, by, available, tolerance));
            }
          }
        }
      }
    });
  }
});
