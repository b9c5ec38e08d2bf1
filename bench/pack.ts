/**
 * Section "pack" (issue 9, point 3): one year of one-minute bars of 20 tickers (nyse, 2024:
 * about 1.97M rows, monthly partitions) in two written versions with the same rows; one is
 * packed with ds.pack (ds_packed.<table>: a row per ticker and batch of 1,000 minutes, an
 * array per column, compressed by TOAST), the other stays unpacked. The rows are a random
 * walk in cents (seeded), volumes random integers: what minute bars look like, not a
 * pattern that compresses by construction.
 *
 * Measured, the two versions interleaved run by run (a busy machine's drift hits both alike):
 * - size: the packed table (heap, TOAST, indexes) ÷ the unpacked partitions (heap, indexes)
 *   (target: at most 0.25);
 * - read rows/s: a quarter (about 490k rows) through the typed read ds_data.<table>_rows into
 *   a Node pg client, packed ÷ unpacked (target: at least 0.5); informational: the whole year
 *   aggregated in the server through the view (no client), and a one-day one-ticker read;
 * - the time ds.pack took. The two versions are checked to hold the same rows (a hash of
 *   every row, through the view).
 */
import type pg from "pg";
import { ensurePartitions } from "../db/ensure-partitions.ts";
import { envNumber } from "./env-number.ts";
import { minuteBarsConfig, registerWritten } from "./written-minute-bars.ts";
import { formatNumber, heading, note, ratioTarget, table, type Target } from "./report.ts";
import { median, timed } from "./stats.ts";

const HOT = "bench-pack-hot";
const COLD = "bench-pack-cold";
const YEAR = { first: "2024-01-02T14:30:00Z", last: "2024-12-31T20:59:00Z" };
const QUARTER = { first: "2024-01-01T00:00:00Z", last: "2024-03-31T23:59:59Z" };
const DAY = { first: "2024-06-12T00:00:00Z", last: "2024-06-12T23:59:59Z", ticker: "T07" };

export interface PackVersion {
  dataset: string;
  rows: number;
  bytes: number;
  quarterRowsPerSec: number;
  yearScanMs: number;
  dayTickerMs: number;
}

export interface PackResult {
  hot: PackVersion;
  cold: PackVersion;
  packSeconds: number;
  packedPartitions: number;
  batches: number;
  runs: number;
  compression: string;
}

const tableOf = async (pool: pg.Pool, dataset: string) =>
  (await pool.query<{ table_name: string }>("select table_name from ds_private.find_version($1, '0.1.0')", [dataset])).rows[0]!.table_name;

/** Every nyse minute of 2024 x 20 tickers: a seeded random walk in cents per ticker; then the same rows into the other version. */
async function fill(pool: pg.Pool, hot: string, cold: string): Promise<number> {
  await ensurePartitions(pool, hot, YEAR.first, YEAR.last);
  await ensurePartitions(pool, cold, YEAR.first, YEAR.last);
  const client = await pool.connect();
  try {
    await client.query("select setseed(0.42)");
    const r = await client.query(
      `insert into ds_store."${hot}" (ts, ticker, open, high, low, close, volume)
       select ts, ticker, o, greatest(o, c) + round(random() * 5) / 100, least(o, c) - round(random() * 5) / 100, c, (random() * 5000)::bigint + 100
       from (select ts, ticker, round((s - d)::numeric, 2)::float8 as o, round(s::numeric, 2)::float8 as c
             from (select ts, ticker, d, 50 + k * 10 + sum(d) over (partition by k order by ts) as s
                   from (select p as ts, 'T' || lpad(k::text, 2, '0') as ticker, k, (random() - 0.5) * 0.2 as d
                         from unnest(ds_private.calendar_slots('nyse', interval '1 minute', tstzrange($1, $2, '[]'))) s,
                              generate_series(lower(s), upper(s) - interval '1 minute', interval '1 minute') p,
                              generate_series(1, 20) k) r) w) x`, [YEAR.first, YEAR.last]);
    await client.query(`insert into ds_store."${cold}" select * from ds_store."${hot}"`);
    for (const [dataset, t] of [[HOT, hot], [COLD, cold]] as const) {
      await client.query(`update ds_private.dataset_versions set coverage = ds_private.version_slots(id, tstzmultirange(tstzrange($2, $3, '[]'))) where name = $1`,
        [dataset, YEAR.first, YEAR.last]);
      await client.query(`vacuum analyze ds_store."${t}"`);
    }
    return r.rowCount ?? 0;
  } finally {
    client.release();
  }
}

const storeBytes = async (pool: pg.Pool, t: string) => Number((await pool.query(
  "select coalesce(sum(pg_total_relation_size(i.inhrelid)), 0) as b from pg_inherits i where i.inhparent = $1::regclass", [`ds_store."${t}"`])).rows[0].b);
const packedBytes = async (pool: pg.Pool, t: string) => Number((await pool.query("select pg_total_relation_size($1::regclass) as b", [`ds_packed."${t}"`])).rows[0].b);

/** A hash of every row of the view, to check that both versions hold the same rows. */
const rowsHash = async (pool: pg.Pool, t: string) =>
  (await pool.query(`select count(*)::bigint as n, sum(hashtext(x::text)::bigint)::text as h from ds_data."${t}" x`)).rows[0] as { n: string; h: string };

export async function measurePack(pool: pg.Pool, options: { runs?: number } = {}, log: (line: string) => void = () => {}): Promise<PackResult> {
  const runs = options.runs ?? envNumber("BENCH_RUNS", 3);
  await registerWritten(pool, Object.fromEntries([HOT, COLD].map((n) => [n, minuteBarsConfig(n, "2024-01-01", "int")])));
  const [hot, cold] = [await tableOf(pool, HOT), await tableOf(pool, COLD)];
  log("filling one year of minute bars for 20 tickers, twice...");
  const rows = await fill(pool, hot, cold);
  const hotBytes = await storeBytes(pool, hot);
  const unpackedColdBytes = await storeBytes(pool, cold);
  log(`   ${formatNumber(rows)} rows, ${formatNumber(hotBytes / 1048576)} MiB per version; packing ${COLD}...`);
  const pack = await timed(() => pool.query<{ partitions: number; rows: string }>("select * from ds.pack($1, '0.1.0', '2025-01-01')", [COLD]));
  const packed = pack.value.rows[0]!;
  if (Number(packed.rows) !== rows) throw new Error(`ds.pack packed ${packed.rows} rows, not ${rows}`);
  await pool.query(`vacuum analyze ds_packed."${cold}"`);
  const coldBytes = await packedBytes(pool, cold);
  const batches = Number((await pool.query(`select count(*) as n from ds_packed."${cold}"`)).rows[0].n);
  const [h1, h2] = [await rowsHash(pool, hot), await rowsHash(pool, cold)];
  if (h1.n !== h2.n || h1.h !== h2.h) throw new Error(`the packed version differs: ${JSON.stringify(h1)} vs ${JSON.stringify(h2)}`);

  const probes = (t: string) => [
    { name: "quarter" as const, sql: `select * from ds_data."${t}_rows"($1, $2)`, params: [QUARTER.first, QUARTER.last] },
    { name: "year" as const, sql: `select count(*), sum(close), max(volume) from ds_data."${t}"`, params: [] },
    { name: "day" as const, sql: `select * from ds_data."${t}_rows"($1, $2) where ticker = $3`, params: [DAY.first, DAY.last, DAY.ticker] },
  ];
  const ms: Record<string, Record<string, number[]>> = { [hot]: { quarter: [], year: [], day: [] }, [cold]: { quarter: [], year: [], day: [] } };
  let quarterRows = 0;
  const client = await pool.connect();
  try {
    for (const t of [hot, cold]) for (const p of probes(t)) await client.query(p.sql, p.params); // warm up
    for (let run = 0; run < runs; run++) {
      for (const t of run % 2 === 0 ? [hot, cold] : [cold, hot]) {
        for (const p of probes(t)) {
          const calls = p.name === "day" ? 10 : 1;
          for (let c = 0; c < calls; c++) {
            const { ms: took, value } = await timed(() => client.query(p.sql, p.params));
            if (p.name === "quarter") quarterRows = value.rowCount ?? 0;
            ms[t]![p.name]!.push(took);
          }
        }
        log(`   run ${run + 1}/${runs} ${t}: quarter ${(ms[t]!.quarter!.at(-1)! / 1000).toFixed(2)} s, year scan ${(ms[t]!.year!.at(-1)! / 1000).toFixed(2)} s`);
      }
    }
  } finally {
    client.release();
  }
  const version = (dataset: string, t: string, bytes: number): PackVersion => ({
    dataset, rows, bytes,
    quarterRowsPerSec: quarterRows / (median(ms[t]!.quarter!) / 1000),
    yearScanMs: median(ms[t]!.year!),
    dayTickerMs: median(ms[t]!.day!),
  });
  const compression = (await pool.query<{ c: string }>(
    `select coalesce(string_agg(distinct pg_column_compression(close), ','), 'none') as c from ds_packed."${cold}"`)).rows[0]!.c;
  if (unpackedColdBytes !== hotBytes) log(`   note: the two unpacked versions differ in size (${hotBytes} vs ${unpackedColdBytes} bytes)`);
  return {
    hot: version(HOT, hot, hotBytes), cold: version(COLD, cold, coldBytes), packSeconds: pack.ms / 1000,
    packedPartitions: packed.partitions, batches, runs, compression,
  };
}

export function printPack(r: PackResult): void {
  heading("10. Packed partitions: one year of minute bars of 20 tickers, packed vs unpacked");
  note(`the same ${formatNumber(r.hot.rows)} rows in two versions; ${r.cold.dataset} packed by ds.pack in ${r.packSeconds.toFixed(1)} s ` +
    `(${r.packedPartitions} partitions into ${formatNumber(r.batches)} batches, TOAST compression ${r.compression}); medians of ${r.runs} interleaved runs.`);
  console.log(table(["version", "MiB", "quarter typed read rows/s (Node)", "year scan in the server ms", "day x ticker ms"], [
    [r.hot.dataset + " (unpacked)", r.hot.bytes / 1048576, r.hot.quarterRowsPerSec, r.hot.yearScanMs, r.hot.dayTickerMs],
    [r.cold.dataset + " (packed)", r.cold.bytes / 1048576, r.cold.quarterRowsPerSec, r.cold.yearScanMs, r.cold.dayTickerMs],
  ]));
}

/** Issue 9 point 3: size packed ÷ unpacked at most 0.25; read rows/s packed ÷ unpacked at least 0.5. */
export function packTargets(r: PackResult): Target[] {
  return [
    ratioTarget("packed: size", "packed bytes / unpacked bytes", { value: r.cold.bytes / 1048576, unit: "MiB" },
      { value: r.hot.bytes / 1048576, unit: "MiB", what: "unpacked partitions" }, { atMost: 0.25 }),
    ratioTarget("packed: typed read into Node", "packed rows/s / unpacked rows/s", { value: r.cold.quarterRowsPerSec, unit: "rows/s" },
      { value: r.hot.quarterRowsPerSec, unit: "rows/s", what: "unpacked" }, { atLeast: 0.5 }),
  ];
}
