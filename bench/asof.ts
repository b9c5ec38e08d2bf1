/**
 * Benchmark of ds.asof: trades as-of joined onto quotes (kdb+'s `aj[`sym`time; trades; quotes]`),
 * about 1,000,000 trades onto 1,000,000 quotes of 20 tickers, both filled straight into their
 * typed tables with INSERT ... SELECT generate_series. Throughput is measured inside the
 * server (`select count(*) from ...`: shipping 1M rows to Node is itself slower than the
 * join), next to, in the same run on the same rows:
 *   - the plain LATERAL join (one `order by ts desc limit 1` probe of the primary key per
 *     trade, typed columns): the baseline of the targets;
 *   - the same LATERAL join with ds.asof's jsonb output (its shape);
 *   - the window merge ds.asof runs, as plain SQL returning typed columns (the join alone);
 *   - building the jsonb values alone (where ds.asof's time goes);
 * and, once, ds.asof's rows fetched into Node through a cursor (informational).
 *
 *   node bench/asof.ts            # embedded PostgreSQL 18 in a temporary directory
 *   DATABASE_URL=... node bench/asof.ts
 *
 * Environment: DATABASE_URL, BENCH_ASOF_ROWS (quotes and trades each, 1000000),
 * BENCH_RUNS (3). Prints a table, the target lines and a last line `BENCH_JSON {...}`.
 * Standalone; `measureAsof`, `printAsof` and `asofTargets` are what bench/run.ts can call
 * with its own database.
 */
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { ensurePartitions } from "../db/ensure-partitions.ts";
import { syncDatasets } from "../datasets/sync.ts";
import { envNumber } from "./env-number.ts";
import { openBenchDatabase } from "./bench-database.ts";
import { formatNumber, heading, note, table, targetLine, type Target } from "./report.ts";
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
  /** Median seconds and trades joined per second, per query (the first is ds.asof). */
  queries: Array<{ name: string; seconds: number; rowsPerSec: number; matched: number }>;
  /** ds.asof's rows fetched into Node through a cursor (10,000 at a time), once; null when not measured. */
  intoNode: { seconds: number; rowsPerSec: number } | null;
}

/** Names of the queries the targets compare. */
export const ASOF = "ds.asof (window merge, jsonb rows)";
export const LATERAL = "plain SQL: LATERAL on the primary key";

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
  await pool.query(`truncate ds_store."${quotes}", ds_store."${trades}"`);
  const last = new Date(Date.parse(START) + seconds * 1000);
  for (const t of [quotes, trades]) await ensurePartitions(pool, t, START, last);
  // each (second, ticker) quotes or trades with probability 1/2 (independent hashes)
  await pool.query(
    `insert into ds_store."${quotes}" (ts, ticker, bid, ask)
     select $1::timestamptz + s * interval '1 second', 'T' || lpad(k::text, 2, '0'), 100 + k + (s % 100) / 100.0, 100.01 + k + (s % 100) / 100.0
     from generate_series(0, $2 - 1) s, generate_series(0, $3 - 1) k where hashint4(s * $3 + k) & 1 = 0`,
    [START, seconds, TICKERS]);
  await pool.query(
    `insert into ds_store."${trades}" (ts, ticker, seq, price, size)
     select $1::timestamptz + s * interval '1 second', 'T' || lpad(k::text, 2, '0'), 0, 100 + k + (s % 97) / 100.0, 1 + s % 500
     from generate_series(0, $2 - 1) s, generate_series(0, $3 - 1) k where hashint4(s * $3 + k + 7777777) & 1 = 0`,
    [START, seconds, TICKERS]);
  await pool.query(`vacuum analyze ds_store."${quotes}"`);
  await pool.query(`vacuum analyze ds_store."${trades}"`);
  const count = async (t: string) => Number((await pool.query(`select count(*) n from ds_data."${t}"`)).rows[0].n);
  const end = new Date(Date.parse(START) + (seconds - 1) * 1000).toISOString();
  return [await count(quotes), await count(trades), end];
}

/** The queries measured: each returns (n: trades joined, matched: trades with a quote); `join: false` marks the jsonb-only cost. */
function queries(quotes: string, trades: string): Array<{ name: string; sql: string; join?: false }> {
  return [
    {
      name: ASOF,
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
      name: LATERAL,
      sql: `select count(*) n, count(x.qts) matched from (
              select t.ts, t.ticker, t.seq, t.price, t.size, q.ts as qts, q.bid, q.ask from ds_data."${trades}" t
              left join lateral (select q.ts, q.bid, q.ask from ds_data."${quotes}" q
                                 where q.ticker = t.ticker and q.ts <= t.ts order by q.ts desc limit 1) q on true
              where t.ts >= $1 and t.ts <= $2 order by t.ts, t.ticker, t.seq) x`,
    },
    {
      // ds.asof's statement without its jsonb: one sort of both inputs by (hash of the ticker,
      // ticker, ts, quotes first), a running last_of of the whole quote, the trades sorted back
      name: "plain SQL: the same window merge, typed columns",
      sql: `select count(*) n, count(x.qts) matched from (
              select s.ts, s.ticker, s.seq, s.price, s.size, (s.q).ts as qts, (s.q).bid, (s.q).ask from (
                select m.ts, m.ticker, m.seq, m.price, m.size, m.q from (
                  select u.ts, u.side, u.ticker, u.seq, u.price, u.size, ds_private.last_of(u.q) over w as q
                  from (select hashtext(t.ticker) as h, t.ts, 1 as side, null::ds_data."${quotes}" as q, t.ticker, t.seq, t.price, t.size
                        from ds_data."${trades}" t where t.ts >= $1 and t.ts <= $2
                        union all
                        select hashtext(q.ticker), q.ts, 0, q, q.ticker, null, null, null from ds_data."${quotes}" q where q.ts <= $2) u
                  window w as (partition by u.h, u.ticker collate "C" order by u.ts, u.side rows unbounded preceding)) m
                where m.side = 1 order by m.ts, m.ticker, m.seq) s) x`,
    },
    {
      name: "jsonb values alone (1 per trade, 1 per quote)",
      join: false,
      sql: `select (select count(jsonb_build_object('ticker', t.ticker, 'seq', t.seq, 'price', t.price, 'size', t.size))
                    from ds_data."${trades}" t where t.ts >= $1 and t.ts <= $2) n,
                   (select count(jsonb_build_object('ticker', q.ticker, 'bid', q.bid, 'ask', q.ask)) from ds_data."${quotes}" q where q.ts <= $2) matched`,
    },
  ];
}

/** ds.asof's rows into Node: a cursor in one transaction, 10,000 rows a fetch (pg parses each jsonb). */
async function fetchIntoNode(pool: pg.Pool, end: string): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query(`declare c no scroll cursor for select * from ds.asof('${TRADES}', '0.1.0', '${QUOTES}', '0.1.0', $1, $2, '{ticker}', available => 'label')`, [START, end]);
    let n = 0;
    for (;;) {
      const { rowCount } = await client.query("fetch 10000 from c");
      if (!rowCount) break;
      n += rowCount;
    }
    await client.query("commit");
    return n;
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** Fill the tables, then run each query `runs` times (interleaved) and keep the medians; then fetch ds.asof into Node once. */
export async function measureAsof(pool: pg.Pool, options: { rows?: number; runs?: number; intoNode?: boolean } = {},
  log: (line: string) => void = () => {}): Promise<AsofResult> {
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
  const joined = matched.filter((_, i) => qs[i]!.join !== false);
  if (new Set(joined).size !== 1) throw new Error(`the queries disagree on the trades with a quote: ${joined.join(", ")}`);
  let intoNode: AsofResult["intoNode"] = null;
  if (options.intoNode ?? true) {
    const { ms: took, value: n } = await timed(() => fetchIntoNode(pool, end));
    if (n !== tradeRows) throw new Error(`ds.asof into Node returned ${n} rows, not ${tradeRows}`);
    intoNode = { seconds: took / 1000, rowsPerSec: n / (took / 1000) };
    log(`ds.asof into Node: ${(took / 1000).toFixed(2)} s`);
  }
  return {
    quotes: quoteRows,
    trades: tradeRows,
    tickers: TICKERS,
    runs,
    queries: qs.map((q, i) => ({ name: q.name, seconds: median(ms[i]!) / 1000, rowsPerSec: tradeRows / (median(ms[i]!) / 1000), matched: matched[i]! })),
    intoNode,
  };
}

/** The two targets of issue 8 item 3: ds.asof >= 1M trades/s inside the server, and >= 3 times the plain LATERAL join of the same run. */
export function asofTargets(r: AsofResult): Target[] {
  const asof = r.queries.find((q) => q.name === ASOF)!;
  const lateral = r.queries.find((q) => q.name === LATERAL)!;
  const ratio = lateral.seconds / asof.seconds;
  const rate = (q: { rowsPerSec: number }) => `${formatNumber(q.rowsPerSec)} trades/s`;
  return [
    { name: "as-of join throughput", measure: "ds.asof trades/s / 1M trades/s (1M trades onto 1M quotes, in the server)", value: asof.rowsPerSec / 1_000_000,
      goal: ">= 1.00", met: asof.rowsPerSec >= 1_000_000, figure: rate(asof), baseline: "1,000,000 trades/s (the goal)" },
    { name: "as-of join vs LATERAL", measure: "ds.asof trades/s / plain LATERAL join trades/s", value: ratio, goal: ">= 3.00", met: ratio >= 3,
      figure: rate(asof), baseline: `${rate(lateral)} (plain LATERAL join)` },
  ];
}

export function printAsof(r: AsofResult): void {
  heading("ds.asof: trades as-of joined onto quotes, by ticker");
  note(`${r.trades.toLocaleString("en-US")} trades onto ${r.quotes.toLocaleString("en-US")} quotes of ${r.tickers} tickers (1-second grid); median of ${r.runs} run(s),`);
  note("wall clock of select count(*) inside the server.");
  console.log();
  const baseline = r.queries.find((q) => q.name === LATERAL)!;
  console.log(table(["query", "s", "trades/s", "vs plain LATERAL"], r.queries.map((q) => [
    q.name, q.seconds.toFixed(2), q.rowsPerSec, `${(baseline.seconds / q.seconds).toFixed(2)}x`])));
  if (r.intoNode) note(`ds.asof into Node (cursor, 10,000 rows a fetch), once: ${r.intoNode.seconds.toFixed(2)} s, ${Math.round(r.intoNode.rowsPerSec).toLocaleString("en-US")} trades/s.`);
  note("ds.asof returns (ts, left_data jsonb, right_ts, right_data jsonb): the jsonb values alone (last line) are most of its");
  note("time; the typed window merge is the join itself.");
  const merge = r.queries.find((q) => q.name.startsWith("plain SQL: the same window merge"));
  const jsonb = r.queries.find((q) => q.name.startsWith("jsonb values alone"));
  if (merge && jsonb) {
    const floor = merge.seconds + jsonb.seconds;
    note(`ds.asof's floor, its merge with typed columns plus the jsonb values it must build: ${floor.toFixed(2)} s, so at best`);
    note(`${Math.round(r.trades / floor).toLocaleString("en-US")} trades/s and ${(baseline.seconds / floor).toFixed(2)}x the plain LATERAL join on this machine.`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const db = await openBenchDatabase();
  try {
    console.log(`server: ${db.server}`);
    const result = await measureAsof(db.pool, { rows: envNumber("BENCH_ASOF_ROWS", 1_000_000), runs: envNumber("BENCH_RUNS", 3) }, (l) => console.log(`   ${l}`));
    printAsof(result);
    for (const t of asofTargets(result)) console.log(targetLine(t));
    console.log(`BENCH_JSON ${JSON.stringify({ asof: result, server: db.server })}`);
  } finally {
    await db.close();
  }
}
