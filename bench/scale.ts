/**
 * Section "scale" (issue 9, point 6; `BENCH_ONLY=scale`, not in the default run): one-minute
 * bars of 20 tickers on the nyse calendar, about 20M rows (BENCH_SCALE_ROWS; ten years) in
 * one version and 1M rows (the last months of the same span) in another, both monthly
 * partitions (the default for 1m). The rows go in with INSERT ... SELECT after
 * ensure_partitions, coverage set to the calendar slots they fill (what a write with covers
 * records). Measured on each: a one-day one-ticker read through the typed range read, ds.data
 * of that day (every ticker), ds.missing over the last month and over the whole span
 * (targets: the 20M figures within 1.5x of the 1M ones); then retention dropping the oldest
 * partition of the 20M version, and a year of partitions in one run (target: under 1 s),
 * next to the baseline of deleting one month's rows row by row (rolled back).
 */
import type pg from "pg";
import { ensurePartitions } from "../db/ensure-partitions.ts";
import { envNumber } from "./env-number.ts";
import { minuteBarsConfig, registerWritten } from "./written-minute-bars.ts";
import { formatNumber, heading, note, ratioTarget, table, type Target } from "./report.ts";
import { median, timed } from "./stats.ts";

const TICKERS = 20;
const START = "2015-01-02T00:00:00Z";
const TICKER = "T07";

export interface ScaleVersion {
  dataset: string;
  rows: number;
  partitions: number;
  first: string;
  last: string;
  fillSeconds: number;
  tableMiB: number;
  /** Median milliseconds of each query (CALLS calls each). */
  readDayTickerMs: number;
  dataDayMs: number;
  missingMonthMs: number;
  missingAllMs: number;
}

export interface ScaleResult {
  versions: ScaleVersion[];
  calls: number;
  /** Retention on the large version: the oldest partition, then a year of them in one run. */
  dropOneMs: number;
  dropOneRows: number;
  dropYearMs: number;
  dropYearPartitions: number;
  dropYearRows: number;
  /** Baseline: DELETE of one month's rows of the large version, rolled back. */
  deleteMonthMs: number;
  deleteMonthRows: number;
}

/** The last `points` nyse minutes up to the end of the span that holds `total` points from START: [first, last]. */
async function span(pool: pg.Pool, totalPoints: number, points: number): Promise<[string, string]> {
  const { rows: [r] } = await pool.query<{ first: Date; last: Date }>(
    `with p as (select g as ts from unnest(ds_private.calendar_slots('nyse', interval '1 minute', tstzrange($1, $1::timestamptz + make_interval(days => ceil($2 / 390.0 * 1.5 + 30)::int)))) s,
                generate_series(lower(s), upper(s) - interval '1 minute', interval '1 minute') g order by g limit $2)
     select (select ts from p order by ts desc offset $3 - 1 limit 1) as first, (select max(ts) from p) as last`,
    [START, totalPoints, points]);
  return [r!.first.toISOString(), r!.last.toISOString()];
}

/** Fill one version's table with every nyse minute of [first, last] x 20 tickers, a year per statement; mark it covered. */
async function fill(pool: pg.Pool, dataset: string, first: string, last: string, log: (line: string) => void): Promise<{ table: string; rows: number; seconds: number }> {
  const { rows: [v] } = await pool.query<{ id: number; table_name: string }>("select id, table_name from ds_private.find_version($1, '0.1.0')", [dataset]);
  const started = Date.now();
  await ensurePartitions(pool, v!.table_name, first, last);
  let rows = 0;
  for (let year = Number(first.slice(0, 4)); year <= Number(last.slice(0, 4)); year++) {
    const from = new Date(Math.max(Date.parse(first), Date.UTC(year, 0, 1))).toISOString();
    const to = new Date(Math.min(Date.parse(last) + 60_000, Date.UTC(year + 1, 0, 1))).toISOString();
    const r = await pool.query(
      `insert into ds_store."${v!.table_name}" (ts, ticker, open, high, low, close, volume)
       select p, 'T' || lpad(k::text, 2, '0'), o, o + 0.5, o - 0.5, o + ((e + k) % 9 - 4) / 8.0, 100 + (e * 37 + k * 11) % 1000
       from unnest(ds_private.calendar_slots('nyse', interval '1 minute', tstzrange($1, $2))) s,
            generate_series(lower(s), upper(s) - interval '1 minute', interval '1 minute') p,
            generate_series(1, ${TICKERS}) k,
            lateral (select (extract(epoch from p) / 60)::bigint as e) m,
            lateral (select 100 + k + ((e * 7 + k) % 101) / 8.0 as o) x`, [from, to]);
    rows += r.rowCount ?? 0;
    log(`   ${dataset}: ${year} filled (${formatNumber(rows)} rows so far, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  await pool.query(`update ds_private.dataset_versions set coverage = ds_private.version_slots(id, tstzmultirange(tstzrange($2, $3, '[]'))) where id = $1`,
    [v!.id, first, last]);
  await pool.query(`vacuum analyze ds_store."${v!.table_name}"`);
  return { table: v!.table_name, rows, seconds: (Date.now() - started) / 1000 };
}

interface Probe {
  name: "readDayTickerMs" | "dataDayMs" | "missingMonthMs" | "missingAllMs";
  sql: string;
  params: unknown[];
  rows: number;
}

/** The queries measured on one version: the last whole session day (the span may end inside one) and the last month. */
async function probes(pool: pg.Pool, dataset: string, table: string, first: string, last: string): Promise<Probe[]> {
  const { rows: [d] } = await pool.query<{ day: string; points: number }>(
    `select to_char(t.ts at time zone 'UTC', 'YYYY-MM-DD') as day, count(*)::int as points from ds_data."${table}" t
     where t.ts < date_trunc('day', $1::timestamptz at time zone 'UTC') at time zone 'UTC' and t.ticker = $2
     group by 1 order by 1 desc limit 1`, [last, TICKER]);
  const [day, dayEnd] = [d!.day, `${d!.day}T23:59:59Z`];
  const monthStart = new Date(Date.parse(last) - 30 * 86_400_000).toISOString();
  return [
    { name: "readDayTickerMs", sql: `select * from ds_data."${table}_rows"($1, $2) where ticker = $3`, params: [day, dayEnd, TICKER], rows: d!.points },
    { name: "dataDayMs", sql: "select * from ds.data($1, '0.1.0', $2, $3)", params: [dataset, day, dayEnd], rows: d!.points * TICKERS },
    { name: "missingMonthMs", sql: "select * from ds.missing($1, '0.1.0', $2, $3)", params: [dataset, monthStart, last], rows: 0 },
    { name: "missingAllMs", sql: "select * from ds.missing($1, '0.1.0', $2, $3)", params: [dataset, first, last], rows: 0 },
  ];
}

/** Each probe of every version `calls` times, the versions interleaved (a busy machine's drift hits both alike); medians in ms. */
async function measureInterleaved(pool: pg.Pool, sets: Probe[][], calls: number): Promise<Array<Record<Probe["name"], number>>> {
  const ms = sets.map((set) => set.map(() => [] as number[]));
  for (let i = 0; i < calls; i++) {
    for (const [v, set] of sets.entries()) {
      for (const [j, p] of set.entries()) {
        const { ms: took, value } = await timed(() => pool.query(p.sql, p.params));
        if (value.rowCount !== p.rows) throw new Error(`${p.sql}: ${value.rowCount} rows, expected ${p.rows}`);
        ms[v]![j]!.push(took);
      }
    }
  }
  return sets.map((set, v) => Object.fromEntries(set.map((p, j) => [p.name, median(ms[v]![j]!)])) as Record<Probe["name"], number>);
}

async function partitionsOf(pool: pg.Pool, table: string): Promise<{ partitions: number; tableMiB: number }> {
  const { rows: [s] } = await pool.query<{ partitions: number; mib: number }>(
    `select count(*)::int as partitions, sum(pg_total_relation_size(i.inhrelid)) / 1048576.0 as mib
     from pg_inherits i where i.inhparent = $1::regclass`, [`ds_store."${table}"`]);
  return { partitions: s!.partitions, tableMiB: Number(s!.mib) };
}

/** Fill both versions, measure them, then retention on the large one. */
export async function measureScale(pool: pg.Pool, options: { rows?: number; calls?: number } = {}, log: (line: string) => void = () => {}): Promise<ScaleResult> {
  const total = options.rows ?? envNumber("BENCH_SCALE_ROWS", 20_000_000);
  const calls = options.calls ?? 30;
  const large = "bench-scale-large";
  const small = "bench-scale-small";
  await registerWritten(pool, Object.fromEntries([large, small].map((n) => [n, minuteBarsConfig(n, "2015-01-01", "float")])));
  const totalPoints = Math.round(total / TICKERS);
  const [first, last] = await span(pool, totalPoints, totalPoints);
  const [smallFirst] = await span(pool, totalPoints, Math.round(1_000_000 / TICKERS));
  const filled: Array<{ dataset: string; from: string; table: string; rows: number; seconds: number }> = [];
  for (const [dataset, from] of [[small, smallFirst], [large, first]] as const) {
    log(`filling ${dataset} from ${from} to ${last}...`);
    filled.push({ dataset, from, ...(await fill(pool, dataset, from, last, log)) });
  }
  const sets = await Promise.all(filled.map((f) => probes(pool, f.dataset, f.table, f.from, last)));
  const medians = await measureInterleaved(pool, sets, calls);
  const versions: ScaleVersion[] = [];
  for (const [i, f] of filled.entries()) {
    const m = medians[i]!;
    versions.push({ dataset: f.dataset, rows: f.rows, first: f.from, last, fillSeconds: f.seconds, ...(await partitionsOf(pool, f.table)), ...m });
    log(`   ${f.dataset}: ${formatNumber(f.rows)} rows; day x ticker ${m.readDayTickerMs.toFixed(2)} ms, ds.data day ${m.dataDayMs.toFixed(1)} ms, ` +
      `ds.missing month ${m.missingMonthMs.toFixed(2)} ms, all ${m.missingAllMs.toFixed(2)} ms`);
  }
  const { rows: [v] } = await pool.query<{ table_name: string }>("select table_name from ds_private.find_version($1, '0.1.0')", [large]);
  const parts = (await pool.query<{ lo: Date; hi: Date; name: string }>(
    "select lower(p.bounds) as lo, upper(p.bounds) as hi, p.partition_name as name from ds_private.version_partitions((ds_private.find_version($1, '0.1.0')).id) p order by p.bounds",
    [large])).rows;
  const rowsIn = async (from: Date, to: Date) => Number((await pool.query(`select count(*) as n from ds_data."${v!.table_name}" where ts >= $1 and ts < $2`, [from, to])).rows[0].n);
  // baseline: one month's rows deleted row by row (the second partition), rolled back
  const client = await pool.connect();
  let deleteMonthMs = 0;
  let deleteMonthRows = 0;
  try {
    await client.query("begin");
    const d = await timed(() => client.query(`delete from ds_store."${v!.table_name}" where ts >= $1 and ts < $2`, [parts[1]!.lo, parts[1]!.hi]));
    deleteMonthMs = d.ms;
    deleteMonthRows = d.value.rowCount ?? 0;
  } finally {
    await client.query("rollback");
    client.release();
  }
  // retention of one day, as of the end of the oldest partition + 1 day: that partition goes
  await pool.query("update ds_private.dataset_versions set retention = interval '1 day' where name = $1", [large]);
  const dropOneRows = await rowsIn(parts[0]!.lo, parts[0]!.hi);
  const asOf = (d: Date) => new Date(d.getTime() + 86_400_000);
  const one = await timed(() => pool.query("select * from ds_worker.apply_retention($1, '0.1.0', $2)", [large, asOf(parts[0]!.hi)]));
  if (one.value.rows[0].partitions !== 1) throw new Error(`retention dropped ${one.value.rows[0].partitions} partitions, not 1`);
  // then a year of them at once (fewer at a small BENCH_SCALE_ROWS)
  const n = Math.min(12, parts.length - 2);
  const dropYearRows = await rowsIn(parts[1]!.lo, parts[n]!.hi);
  const year = await timed(() => pool.query("select * from ds_worker.apply_retention($1, '0.1.0', $2)", [large, asOf(parts[n]!.hi)]));
  if (year.value.rows[0].partitions !== n) throw new Error(`retention dropped ${year.value.rows[0].partitions} partitions, not ${n}`);
  // what retention removed is missing, up to the boundary (the start of the partition after those dropped), and nothing after it
  const { rows: [m] } = await pool.query<{ lo: Date; hi: Date }>("select min(lower(r)) as lo, max(upper(r)) as hi from ds.missing($1, '0.1.0', $2, $3) r", [large, first, last]);
  if (m!.lo.getTime() !== Date.parse(first) || m!.hi.getTime() > parts[n + 1]!.lo.getTime()) {
    throw new Error(`after retention ds.missing spans ${m!.lo.toISOString()} .. ${m!.hi.toISOString()}, not ${first} .. ${parts[n + 1]!.lo.toISOString()}`);
  }
  return {
    versions, calls, dropOneMs: one.ms, dropOneRows, dropYearMs: year.ms, dropYearPartitions: n, dropYearRows, deleteMonthMs, deleteMonthRows,
  };
}

export function printScale(r: ScaleResult): void {
  heading("8. Scale: one-minute bars of 20 tickers, 1M vs 20M rows, monthly partitions");
  note(`rows put in with INSERT ... SELECT into the partitions ensure_partitions made; medians of ${r.calls} calls.`);
  console.log(table(["version", "rows", "partitions", "MiB", "fill s", "day x ticker ms", "ds.data day ms", "missing month ms", "missing all ms"],
    r.versions.map((v) => [v.dataset, v.rows, v.partitions, v.tableMiB, v.fillSeconds, v.readDayTickerMs, v.dataDayMs, v.missingMonthMs, v.missingAllMs])));
  console.log(table(["retention (large version)", "partitions", "rows", "ms"], [
    ["oldest partition", 1, r.dropOneRows, r.dropOneMs],
    ["a year of partitions, one run", r.dropYearPartitions, r.dropYearRows, r.dropYearMs],
    ["baseline: DELETE of one month's rows", "-", r.deleteMonthRows, r.deleteMonthMs],
  ]));
}

/** The targets of issue 9 point 6: at 20M rows the one-day one-ticker read and ds.missing within 1.5x of 1M; a partition dropped in under 1 s. */
export function scaleTargets(r: ScaleResult): Target[] {
  const [small, large] = r.versions as [ScaleVersion, ScaleVersion];
  const rows = (v: ScaleVersion) => `${formatNumber(v.rows)} rows`;
  return [
    ratioTarget("scale: one-day one-ticker typed read", `ms at ${rows(large)} / ms at ${rows(small)}`,
      { value: large.readDayTickerMs, unit: "ms" }, { value: small.readDayTickerMs, unit: "ms", what: rows(small) }, { atMost: 1.5 }),
    ratioTarget("scale: ds.missing over the last month", `ms at ${rows(large)} / ms at ${rows(small)}`,
      { value: large.missingMonthMs, unit: "ms" }, { value: small.missingMonthMs, unit: "ms", what: rows(small) }, { atMost: 1.5 }),
    ratioTarget("scale: retention drops a partition", "ms / 1,000 ms",
      { value: r.dropOneMs, unit: `ms (${formatNumber(r.dropOneRows)} rows)` }, { value: 1000, unit: "ms", what: "budget" }, { atMost: 1 }),
  ];
}
