/**
 * Benchmark of ds.asof: trades as-of joined onto quotes (kdb+'s `aj[`sym`time; trades; quotes]`),
 * about 1,000,000 trades onto 1,000,000 quotes of 20 tickers, both filled straight into their
 * typed tables with INSERT ... SELECT generate_series. Reported in the same run next to the
 * LATERAL design ds.asof was chosen over (one `order by ts desc limit 1` probe of the primary
 * key per trade, with ds.asof's jsonb output), and two plain SQL queries returning the same
 * rows in the same order as typed columns: that LATERAL join, and the window-function merge
 * ds.asof runs.
 *
 *   node bench/asof.ts            # embedded PostgreSQL 18 in a temporary directory
 *   DATABASE_URL=... node bench/asof.ts
 *
 * Environment: DATABASE_URL, BENCH_ASOF_ROWS (quotes and trades each, 1000000),
 * BENCH_RUNS (3). Prints a table and a last line `BENCH_JSON {...}`. Standalone;
 * `measureAsof` is what bench/run.ts can call with its own database.
 */
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { syncDatasets } from "../datasets/sync.ts";
import { openBenchDatabase } from "./bench-database.ts";
import { heading, note, table } from "./report.ts";
import { median, timed } from "./stats.ts";

const TICKERS = 20;
const QUOTES = "bench-asof-quotes";
const TRADES = "bench-asof-trades";
/** Both tables span this many seconds from START: each ticker quotes (and trades) in about half of them. */
const START = "2024-01-02T00:00:00Z";

const CONFIGS: Record<string, string> = {
  [QUOTES]: `name = "${QUOTES}"
version = "0.1.0"
description = "Benchmark of ds.asof: quotes of 20 tickers, filled directly by bench/asof.ts"
calendar = "always-open"
granularity = "1s"
start-date = 2024-01-01
key = ["ticker"]
[schema]
ticker = "str"
bid = "float"
ask = "float"
`,
  [TRADES]: `name = "${TRADES}"
version = "0.1.0"
description = "Benchmark of ds.asof: trades of 20 tickers, filled directly by bench/asof.ts"
calendar = "always-open"
granularity = "1s"
start-date = 2024-01-01
key = ["ticker", "seq"]
[schema]
ticker = "str"
seq = "int"
price = "float"
size = "int"
`,
};

export interface AsofResult {
  quotes: number;
  trades: number;
  tickers: number;
  runs: number;
  /** Median seconds and trades joined per second, per query. */
  queries: Array<{ name: string; seconds: number; rowsPerSec: number; matched: number }>;
}

/** Register the two bench datasets (their builders never run: the rows are inserted directly). */
async function registerDatasets(pool: pg.Pool): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ds-bench-asof-"));
  try {
    for (const [name, config] of Object.entries(CONFIGS)) {
      mkdirSync(join(dir, name, "0.1.0"), { recursive: true });
      writeFileSync(join(dir, name, "0.1.0", "config.toml"), config);
      writeFileSync(join(dir, name, "0.1.0", "builder.ts"), "export function build() {\n  return [];\n}\n");
    }
    await syncDatasets(pool, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function tableOf(pool: pg.Pool, name: string): Promise<string> {
  const { rows } = await pool.query<{ t: string }>("select (ds_private.find_version($1, '0.1.0')).table_name as t", [name]);
  return rows[0]!.t;
}

/** Fill both tables with about `rows` rows each over rows / 10 seconds; returns [quotes, trades, last second]. */
async function fill(pool: pg.Pool, quotes: string, trades: string, rows: number): Promise<[number, number, string]> {
  const seconds = Math.round(rows / (TICKERS / 2));
  await pool.query(`truncate ds_data."${quotes}", ds_data."${trades}"`);
  // each (second, ticker) quotes or trades with probability 1/2 (independent hashes)
  await pool.query(
    `insert into ds_data."${quotes}" (ts, ticker, bid, ask)
     select $1::timestamptz + s * interval '1 second', 'T' || lpad(k::text, 2, '0'), 100 + k + (s % 100) / 100.0, 100.01 + k + (s % 100) / 100.0
     from generate_series(0, $2 - 1) s, generate_series(0, $3 - 1) k where hashint4(s * $3 + k) & 1 = 0`,
    [START, seconds, TICKERS]);
  await pool.query(
    `insert into ds_data."${trades}" (ts, ticker, seq, price, size)
     select $1::timestamptz + s * interval '1 second', 'T' || lpad(k::text, 2, '0'), 0, 100 + k + (s % 97) / 100.0, 1 + s % 500
     from generate_series(0, $2 - 1) s, generate_series(0, $3 - 1) k where hashint4(s * $3 + k + 7777777) & 1 = 0`,
    [START, seconds, TICKERS]);
  await pool.query(`vacuum analyze ds_data."${quotes}"`);
  await pool.query(`vacuum analyze ds_data."${trades}"`);
  const count = async (t: string) => Number((await pool.query(`select count(*) n from ds_data."${t}"`)).rows[0].n);
  const end = new Date(Date.parse(START) + (seconds - 1) * 1000).toISOString();
  return [await count(quotes), await count(trades), end];
}

/** The queries measured: each returns (trades joined, trades with a quote). */
function queries(quotes: string, trades: string): Array<{ name: string; sql: string }> {
  return [
    {
      name: "ds.asof (window merge, jsonb rows)",
      sql: `select count(*) n, count(right_ts) matched from ds.asof('${TRADES}', '0.1.0', '${QUOTES}', '0.1.0', $1, $2, '{ticker}', available => 'label')`,
    },
    {
      name: "LATERAL per trade, jsonb rows (ds.asof's shape)",
      sql: `select count(*) n, count(x.right_data) matched from (
              select t.ts, to_jsonb(t) - 'ts' as left_data, q.ts as right_ts, q.right_data from ds_data."${trades}" t
              left join lateral (select q.ts, to_jsonb(q) - 'ts' as right_data from ds_data."${quotes}" q
                                 where q.ticker = t.ticker and q.ts <= t.ts order by q.ts desc limit 1) q on true
              where t.ts >= $1 and t.ts <= $2 order by t.ts, t.ticker, t.seq) x`,
    },
    {
      name: "plain SQL: LATERAL on the primary key",
      sql: `select count(*) n, count(x.qts) matched from (
              select t.ts, t.ticker, t.seq, t.price, t.size, q.ts as qts, q.bid, q.ask from ds_data."${trades}" t
              left join lateral (select q.ts, q.bid, q.ask from ds_data."${quotes}" q
                                 where q.ticker = t.ticker and q.ts <= t.ts order by q.ts desc limit 1) q on true
              where t.ts >= $1 and t.ts <= $2 order by t.ts, t.ticker, t.seq) x`,
    },
    {
      name: "plain SQL: window merge, typed columns",
      sql: `select count(*) n, count(x.bid) matched from (
              select m.ts, m.ticker, m.seq, m.price, m.size, m.qts, m.bid, m.ask from (
                select u.*, max(u.q_ts) over w as qts, ds_private.last_of(u.q_bid) over w as bid, ds_private.last_of(u.q_ask) over w as ask
                from (select t.ts, t.ticker, 1 as side, t.seq, t.price, t.size, null::timestamptz as q_ts, null::float8 as q_bid, null::float8 as q_ask
                      from ds_data."${trades}" t where t.ts >= $1 and t.ts <= $2
                      union all
                      select q.ts, q.ticker, 0, null, null, null, q.ts, q.bid, q.ask from ds_data."${quotes}" q where q.ts <= $2) u
                window w as (partition by u.ticker order by u.ts, u.side rows unbounded preceding)) m
              where m.side = 1 order by m.ts, m.ticker, m.seq) x`,
    },
  ];
}

/** Fill the tables, then run each query `runs` times (interleaved) and keep the medians. */
export async function measureAsof(pool: pg.Pool, options: { rows?: number; runs?: number } = {}, log: (line: string) => void = () => {}): Promise<AsofResult> {
  const rows = options.rows ?? 1_000_000;
  const runs = options.runs ?? 3;
  await registerDatasets(pool);
  const [quotes, trades] = [await tableOf(pool, QUOTES), await tableOf(pool, TRADES)];
  log(`filling ${quotes} and ${trades} (about ${rows.toLocaleString("en-US")} rows each)...`);
  const [quoteRows, tradeRows, end] = await fill(pool, quotes, trades, rows);
  const qs = queries(quotes, trades);
  const ms: number[][] = qs.map(() => []);
  const matched: number[] = qs.map(() => 0);
  for (let run = 0; run < runs; run++) {
    for (const [i, q] of qs.entries()) {
      const { ms: took, value } = await timed(() => pool.query(q.sql, [START, end]));
      const r = value.rows[0] as { n: string; matched: string };
      if (Number(r.n) !== tradeRows) throw new Error(`${q.name} returned ${r.n} rows, not ${tradeRows}`);
      if (run > 0 && Number(r.matched) !== matched[i]) throw new Error(`${q.name} matched ${r.matched} trades, then ${matched[i]}`);
      matched[i] = Number(r.matched);
      ms[i]!.push(took);
      log(`run ${run + 1}/${runs}: ${q.name}: ${(took / 1000).toFixed(2)} s`);
    }
  }
  if (new Set(matched).size !== 1) throw new Error(`the queries disagree on the trades with a quote: ${matched.join(", ")}`);
  return {
    quotes: quoteRows,
    trades: tradeRows,
    tickers: TICKERS,
    runs,
    queries: qs.map((q, i) => ({ name: q.name, seconds: median(ms[i]!) / 1000, rowsPerSec: tradeRows / (median(ms[i]!) / 1000), matched: matched[i]! })),
  };
}

export function printAsof(r: AsofResult): void {
  heading("ds.asof: trades as-of joined onto quotes, by ticker");
  note(`${r.trades.toLocaleString("en-US")} trades onto ${r.quotes.toLocaleString("en-US")} quotes of ${r.tickers} tickers (1-second grid); median of ${r.runs} run(s).`);
  console.log();
  const baseline = r.queries.find((q) => q.name.startsWith("plain SQL: LATERAL"))!;
  console.log(table(["query", "s", "trades/s", "vs plain LATERAL"], r.queries.map((q) => [
    q.name, q.seconds.toFixed(2), q.rowsPerSec, `${(baseline.seconds / q.seconds).toFixed(2)}x`])));
  note("ds.asof returns (ts, left_data jsonb, right_ts, right_data jsonb): building the two jsonb values per row is most of");
  note("its time; the LATERAL row with the same jsonb output is the alternative design it was chosen over.");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const envNumber = (name: string, fallback: number) => {
    const n = Number((process.env[name] ?? String(fallback)).replaceAll("_", ""));
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
    return n;
  };
  const db = await openBenchDatabase();
  try {
    console.log(`server: ${db.server}`);
    const result = await measureAsof(db.pool, { rows: envNumber("BENCH_ASOF_ROWS", 1_000_000), runs: envNumber("BENCH_RUNS", 3) }, (l) => console.log(`   ${l}`));
    printAsof(result);
    console.log(`BENCH_JSON ${JSON.stringify({ asof: result, server: db.server })}`);
  } finally {
    await db.close();
  }
}
