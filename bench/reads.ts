/**
 * Benchmark of reads (issue 8, items 2 and 6), each against a baseline measured in the same
 * run on the same rows:
 *
 *   1. into a Node `pg` client, 500,000 rows of bench-minute-ohlc-tickers (5 tickers per
 *      minute, filled straight into the typed table with INSERT ... SELECT and analyzed):
 *      the typed range read `ds_data.<table>_rows(start, end)` and the jsonb `ds.data`
 *      against a raw `select * from <table> where ts between ...` (no ORDER BY: the
 *      cheapest SELECT of the same rows; the reads also order them by ts and key);
 *   2. over HTTP, the same 100-row range (20 minutes x 5 tickers, a random window per
 *      request) answered by GraphQL (the version's `...Rows` query field) and by REST
 *      (`GET /api/v1/data/...`) of `ds serve`, against a minimal node:http + `pg` server
 *      running one SELECT per request; each server runs in its own child process
 *      (`node bench/reads.ts --serve ds|minimal`) with a pool of 16 connections, and the
 *      load comes from this process over 16 keep-alive connections.
 *
 *   node bench/reads.ts            # embedded PostgreSQL 18 in a temporary directory
 *   DATABASE_URL=... node bench/reads.ts
 *
 * Environment: DATABASE_URL, BENCH_READ_ROWS (500000), BENCH_RUNS (3),
 * BENCH_HTTP_SECONDS (5 per server and run). Prints tables and a last line
 * `BENCH_JSON {...}`; `measureReads` and `readTargets` are what bench/run.ts can call.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { request, Agent } from "node:http";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { ensurePartitions } from "../db/ensure-partitions.ts";
import { createPool } from "../db/pool.ts";
import { envNumber } from "./env-number.ts";
import { openBenchDatabase, type BenchDatabase } from "./bench-database.ts";
import { findVersion } from "./dataset-table.ts";
import { formatNumber, heading, note, table, targetLine, type Target } from "./report.ts";
import { processCpuSeconds, threadCpuSeconds } from "./process-cpu.ts";
import { median, timed } from "./stats.ts";

const DATASET = "bench-minute-ohlc-tickers";
const TICKERS = 5;
const START = "2024-01-01T00:00:00Z";
const CONNECTIONS = 16;
/** 20 minutes of 5 tickers: 100 rows per HTTP request. */
const WINDOW_MINUTES = 20;
const API_KEY = "ds_bench_reads_key";

export interface ReadsResult {
  rows: number;
  runs: number;
  /** Median rows/s into Node per read; `perRun`: its rows/s in each run. */
  reads: Array<{ name: string; rowsPerSec: number; seconds: number; perRun: number[];
    /** CPU seconds per read, medians: the server's backend (NaN when not visible here) and this process (pg parsing the rows). */
    serverCpu: number; clientCpu: number }>;
  /** Median requests/s per HTTP server; `perRun`: its requests/s in each run. */
  http: Array<{ name: string; rps: number; perRun: number[];
    /** The server process's CPU per request, ms, median over runs: all its threads, and its main (JavaScript) thread alone; NaN in-process. */
    cpuMs: number; mainThreadMs: number }>;
  httpSeconds: number;
  /** Whether the HTTP servers ran in the bench process (else each in a child process). */
  inProcess: boolean;
}

export interface ReadsOptions {
  rows?: number;
  runs?: number;
  httpSeconds?: number;
  /** false: the SQL reads only. */
  http?: boolean;
  /** Servers in this process (true) or each in a child process (false, the default). */
  inProcess?: boolean;
}

/** Fill the table straight (INSERT ... SELECT), mark it built, analyze; returns the last minute. */
async function fill(pool: pg.Pool, versionId: number, tableName: string, rows: number): Promise<string> {
  const minutes = Math.ceil(rows / TICKERS);
  await pool.query(`truncate ds_store."${tableName}"`);
  await ensurePartitions(pool, tableName, START, new Date(Date.parse(START) + minutes * 60_000));
  await pool.query(
    `insert into ds_store."${tableName}" (ts, ticker, open, high, low, close, volume)
     select $1::timestamptz + m * interval '1 minute', 'T' || k, 100 + k + (m % 100) / 100.0, 101 + k + (m % 100) / 100.0,
            99 + k + (m % 100) / 100.0, 100.5 + k + (m % 100) / 100.0, 1000 + m % 5000
     from generate_series(0, $2 - 1) m, generate_series(1, $3) k`,
    [START, minutes, TICKERS]);
  await pool.query(`vacuum analyze ds_store."${tableName}"`);
  const end = new Date(Date.parse(START) + minutes * 60_000).toISOString();
  // built over the filled minutes, so that REST answers 200 (coverage set directly: bench database only)
  await pool.query("update ds_private.dataset_versions set coverage = tstzmultirange(tstzrange($2, $3)) where id = $1", [versionId, START, end]);
  return new Date(Date.parse(end) - 60_000).toISOString();
}

/** Read the rows into Node `runs` times per query (interleaved); the medians. */
async function measureSqlReads(pool: pg.Pool, tableName: string, end: string, rows: number, runs: number, log: (line: string) => void) {
  const reads = [
    { name: "raw SELECT (baseline)", sql: `select * from ds_store."${tableName}" where ts >= $1 and ts <= $2` },
    { name: "raw SELECT ... ORDER BY ts, ticker", sql: `select * from ds_store."${tableName}" where ts >= $1 and ts <= $2 order by ts, ticker` },
    { name: "typed read ds_data.<table>_rows", sql: `select * from ds_data."${tableName}_rows"($1, $2)` },
    { name: "ds.data (ts, data jsonb)", sql: `select * from ds.data('${DATASET}', '0.1.0', $1, $2)` },
    // informational: the same jsonb built by a plain statement that streams (no function, no
    // tuplestore, no row limit): what any jsonb read of these rows costs at best
    { name: "plain SELECT of the same (ts, data jsonb), streamed", sql: `select ts, jsonb_build_object('ticker', ticker, 'open', open, 'high', high, 'low', low, 'close', close, 'volume', volume) as data from ds_store."${tableName}" where ts >= $1 and ts <= $2 order by ts, ticker` },
  ];
  const ms: number[][] = reads.map(() => []);
  const serverCpu: number[][] = reads.map(() => []);
  const clientCpu: number[][] = reads.map(() => []);
  const client = await pool.connect();
  try {
    const backend = (await client.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid;
    for (const r of reads) await client.query(r.sql, [START, end]); // warm up: caches, plans
    for (let run = 0; run < runs; run++) {
      // each run starts with another query, so that none is always first after a pause
      for (const i of reads.map((_, k) => (k + run) % reads.length)) {
        const r = reads[i]!;
        const [server0, client0] = [processCpuSeconds(backend), process.cpuUsage()];
        const { ms: took, value } = await timed(() => client.query(r.sql, [START, end]));
        const used = process.cpuUsage(client0);
        serverCpu[i]!.push(processCpuSeconds(backend) - server0);
        clientCpu[i]!.push((used.user + used.system) / 1e6);
        if (value.rowCount !== rows) throw new Error(`${r.name} returned ${value.rowCount} rows, not ${rows}`);
        ms[i]!.push(took);
        log(`run ${run + 1}/${runs}: ${r.name}: ${(took / 1000).toFixed(2)} s`);
      }
    }
  } finally {
    client.release();
  }
  return reads.map((r, i) => ({ name: r.name, seconds: median(ms[i]!) / 1000, rowsPerSec: rows / (median(ms[i]!) / 1000),
    perRun: ms[i]!.map((m) => rows / (m / 1000)), serverCpu: median(serverCpu[i]!), clientCpu: median(clientCpu[i]!) }));
}

/** A server child process (`--serve ds|minimal`); resolves with its URL once it listens. */
function startChild(kind: "ds" | "minimal", databaseUrl: string, table: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--serve", kind, table], {
    env: { ...process.env, DATABASE_URL: databaseUrl, API_KEYS: `bench:${sha256(API_KEY)}`, GRAPHILE_ENV: "production" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /^LISTENING (\S+)$/m.exec(out);
      if (m) resolve({ url: m[1]!, child });
    });
    child.once("exit", (code) => reject(new Error(`the ${kind} server exited with ${code} before listening`)));
  });
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

interface HttpTarget {
  name: string;
  kind: "ds" | "minimal";
  /** The request for a window starting at `start` (ISO, UTC). */
  make(start: string, end: string): { method: string; path: string; body?: string; headers?: Record<string, string> };
  /** Throws unless the answer has the window's 100 rows. */
  check(body: string): void;
}

function graphqlField(tableName: string): string {
  const [, base, version] = /^(.*?)_v(\d+_\d+_\d+.*)$/.exec(tableName)!;
  const camel = base!.split("_").map((p, i) => (i === 0 ? p : p[0]!.toUpperCase() + p.slice(1))).join("");
  return `${camel}V${version}Rows`;
}

function httpTargets(tableName: string): HttpTarget[] {
  const rowsExpected = WINDOW_MINUTES * TICKERS;
  const field = graphqlField(tableName);
  const query = `query($s: Datetime!, $e: Datetime!) { ${field}(startAt: $s, endAt: $e, first: ${rowsExpected}) { nodes { ts ticker open high low close volume } } }`;
  return [
    {
      name: "minimal node:http + pg (baseline)", kind: "minimal",
      make: (s, e) => ({ method: "GET", path: `/?start=${encodeURIComponent(s)}&end=${encodeURIComponent(e)}` }),
      check: (body) => { if ((JSON.parse(body) as unknown[]).length !== rowsExpected) throw new Error(`minimal: ${body.slice(0, 200)}`); },
    },
    {
      name: `GraphQL ${field}(first: ${rowsExpected}), anonymous`, kind: "ds",
      make: (s, e) => ({ method: "POST", path: "/graphql", body: JSON.stringify({ query, variables: { s, e } }), headers: { "content-type": "application/json" } }),
      check: (body) => {
        const parsed = JSON.parse(body) as { data?: Record<string, { nodes: unknown[] }>; errors?: unknown };
        if (parsed.data?.[field]?.nodes.length !== rowsExpected) throw new Error(`graphql: ${body.slice(0, 300)}`);
      },
    },
    {
      name: "REST GET /api/v1/data (API key)", kind: "ds",
      make: (s, e) => ({ method: "GET", path: `/api/v1/data/${DATASET}/0.1.0?start=${encodeURIComponent(s.slice(0, 19))}&end=${encodeURIComponent(e.slice(0, 19))}&build-data=false`,
        headers: { authorization: `Bearer ${API_KEY}` } }),
      check: (body) => {
        const parsed = JSON.parse(body) as { rows?: Array<{ data: unknown[] }> };
        const n = parsed.rows?.reduce((sum, r) => sum + r.data.length, 0);
        if (n !== rowsExpected) throw new Error(`rest: ${body.slice(0, 300)}`);
      },
    },
  ];
}

function send(agent: Agent, base: URL, req: { method: string; path: string; body?: string; headers?: Record<string, string> }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: base.hostname, port: base.port, agent, method: req.method, path: req.path, headers: req.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    r.on("error", reject);
    r.end(req.body);
  });
}

/**
 * `connections` loops sending requests for `seconds`: requests per second, and the CPU
 * per request of the server process `pid` (all threads, main thread), ms; NaN without a pid.
 */
async function load(url: string, target: HttpTarget, minutes: number, seconds: number, pid: number): Promise<{ rps: number; cpuMs: number; mainThreadMs: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const base = new URL(url);
  const window = () => {
    const m = Math.floor(Math.random() * (minutes - WINDOW_MINUTES));
    const s = Date.parse(START) + m * 60_000;
    return [new Date(s).toISOString(), new Date(s + (WINDOW_MINUTES - 1) * 60_000).toISOString()] as const;
  };
  const one = async () => {
    const [s, e] = window();
    const res = await send(agent, base, target.make(s, e));
    if (res.status !== 200) throw new Error(`${target.name}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
    target.check(res.body);
  };
  try {
    for (let i = 0; i < 50; i++) await Promise.all(Array.from({ length: CONNECTIONS }, one)); // warm up
    let done = 0;
    const until = performance.now() + seconds * 1000;
    const [all0, main0] = [processCpuSeconds(pid), threadCpuSeconds(pid)];
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until) {
        await one();
        done++;
      }
    }));
    const rps = done / ((performance.now() - t0) / 1000);
    return { rps, cpuMs: ((processCpuSeconds(pid) - all0) * 1000) / done, mainThreadMs: ((threadCpuSeconds(pid) - main0) * 1000) / done };
  } finally {
    agent.destroy();
  }
}

async function measureHttp(url: string, tableName: string, minutes: number, runs: number, seconds: number, inProcess: boolean, log: (line: string) => void) {
  const targets = httpTargets(tableName);
  const start = async (kind: "ds" | "minimal") => {
    if (!inProcess) return startChild(kind, url, tableName);
    process.env.API_KEYS = `bench:${sha256(API_KEY)}`;
    return serve(kind, tableName, url);
  };
  const servers = { ds: await start("ds"), minimal: await start("minimal") };
  try {
    const rps: number[][] = targets.map(() => []);
    const cpuMs: number[][] = targets.map(() => []);
    const mainMs: number[][] = targets.map(() => []);
    for (let run = 0; run < runs; run++) {
      for (const i of targets.map((_, k) => (k + run) % targets.length)) {
        const t = targets[i]!;
        const server = servers[t.kind];
        const { rps: r, cpuMs: cpu, mainThreadMs: main } = await load(server.url, t, minutes, seconds, "child" in server ? server.child.pid! : NaN);
        rps[i]!.push(r);
        cpuMs[i]!.push(cpu);
        mainMs[i]!.push(main);
        log(`run ${run + 1}/${runs}: ${t.name}: ${formatNumber(r)} requests/s`);
      }
    }
    return targets.map((t, i) => ({ name: t.name, rps: median(rps[i]!), perRun: rps[i]!, cpuMs: median(cpuMs[i]!), mainThreadMs: median(mainMs[i]!) }));
  } finally {
    for (const s of Object.values(servers)) {
      if ("child" in s) s.child.kill("SIGTERM");
      else await s.close();
    }
  }
}

export async function measureReads(db: BenchDatabase, log: (line: string) => void = () => {}, options: ReadsOptions = {}): Promise<ReadsResult> {
  const rows = options.rows ?? 500_000;
  const runs = options.runs ?? 3;
  const httpSeconds = options.httpSeconds ?? 5;
  const v = await findVersion(db.pool, DATASET);
  log(`filling ${v.table} with ${rows.toLocaleString("en-US")} rows...`);
  const end = await fill(db.pool, v.id, v.table, rows);
  const reads = await measureSqlReads(db.pool, v.table, end, rows, runs, log);
  const http = options.http === false ? [] : await measureHttp(db.url, v.table, Math.ceil(rows / TICKERS), runs, httpSeconds, options.inProcess ?? false, log);
  return { rows, runs, reads, http, httpSeconds, inProcess: options.inProcess ?? false };
}

/**
 * The median over runs of (figure in that run ÷ baseline in the same run): the runs are
 * paired, so a run slowed down by the machine's other work slows both sides of its ratio.
 */
function ratio(r: ReadsResult, list: "reads" | "http", name: string, baseline: string): number {
  const pick = (n: string) => (r[list] as Array<{ name: string; perRun: number[] }>).find((x) => x.name.startsWith(n))?.perRun;
  const [x, base] = [pick(name), pick(baseline)];
  if (!x || !base) return NaN;
  return median(x.map((v, i) => v / base[i]!));
}

export function readTargets(r: ReadsResult): Target[] {
  const goals: Array<[string, string, "reads" | "http", string, string, number]> = [
    ["typed reads", "typed read rows/s / raw SELECT rows/s (median of per-run ratios)", "reads", "typed read", "raw SELECT (baseline)", 0.9],
    ["ds.data reads", "ds.data rows/s / raw SELECT rows/s (median of per-run ratios)", "reads", "ds.data", "raw SELECT (baseline)", 0.7],
    ["GraphQL reads", "GraphQL 100-row rps / minimal node+pg rps (median of per-run ratios)", "http", "GraphQL", "minimal", 0.6],
    ["REST reads", "REST 100-row rps / minimal node+pg rps (median of per-run ratios)", "http", "REST", "minimal", 0.6],
  ];
  return goals.filter(([, , list]) => r[list].length > 0).map(([name, measure, list, which, baseline, goal]) => {
    const value = ratio(r, list, which, baseline);
    // the medians of each, for the line (the ratio is the median of per-run ratios)
    const figure = (n: string) => {
      const x = (r[list] as Array<{ name: string; perRun: number[] }>).find((e) => e.name.startsWith(n));
      return x ? `${formatNumber(median(x.perRun))} ${list === "reads" ? "rows/s" : "req/s"}` : "-";
    };
    return { name, measure, value, goal: `>= ${goal.toFixed(2)}`, met: value >= goal, figure: figure(which), baseline: `${figure(baseline)} (${baseline.replace(" (baseline)", "")})` };
  });
}

export function printReads(r: ReadsResult): void {
  heading("reads: rows into a Node pg client");
  note(`${r.rows.toLocaleString("en-US")} rows of ${DATASET} (${TICKERS} tickers per minute), analyzed; median of ${r.runs} run(s).`);
  const base = r.reads[0]!;
  const paired = (x: { perRun: number[] }, b: { perRun: number[] }) => median(x.perRun.map((v, i) => v / b.perRun[i]!)).toFixed(2);
  console.log(table(["read", "s", "rows/s", "vs raw SELECT (per-run ratios, median)", "server CPU s", "client CPU s"],
    r.reads.map((x) => [x.name, x.seconds.toFixed(2), x.rowsPerSec, paired(x, base), x.serverCpu.toFixed(2), x.clientCpu.toFixed(2)])));
  note("server CPU: the backend that ran the read; client CPU: this process (pg parsing the rows). A read that needs more server CPU");
  note("than the raw SELECT takes in all cannot keep up with it: jsonb is built in the server, value by value.");
  heading("reads over HTTP: the same 100-row window, 16 connections");
  note(`${r.inProcess ? "both servers in the bench process" : "each server in its own child process"}, pools of ${CONNECTIONS}; ${r.httpSeconds} s per server and run; median of ${r.runs}.`);
  const minimal = r.http[0];
  if (!minimal) return;
  const ms = (v: number) => (Number.isNaN(v) ? "-" : v.toFixed(3));
  console.log(table(["server", "requests/s", "vs minimal (per-run ratios, median)", "CPU ms/request", "main thread ms/request", "main-thread ceiling vs minimal"],
    r.http.map((x) => [x.name, x.rps, paired(x, minimal), ms(x.cpuMs), ms(x.mainThreadMs), Number.isNaN(x.mainThreadMs) ? "-" : (1000 / x.mainThreadMs / minimal.rps).toFixed(2)])));
  note("CPU of the server's process per request (all threads; its JavaScript main thread alone). A Node server cannot answer faster than");
  note("1 / (main thread ms per request): the ceiling, as a ratio to the minimal server's requests/s.");
}

/** A server of `kind` on DATABASE_URL; resolves with its URL once it listens. */
async function serve(kind: string, tableName: string, url = process.env.DATABASE_URL!): Promise<{ url: string; close(): Promise<void> }> {
  const pool = createPool(url, { max: CONNECTIONS });
  if (kind === "minimal") {
    const { createServer } = await import("node:http");
    const sql = `select ts, ticker, open, high, low, close, volume from ds_store."${tableName}" where ts >= $1 and ts <= $2 order by ts, ticker`;
    const server = createServer((req, res) => {
      const q = new URL(req.url ?? "/", "http://x").searchParams;
      pool.query(sql, [q.get("start"), q.get("end")]).then((result) => {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result.rows));
      }, (err: Error) => res.writeHead(500).end(err.message));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const close = async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await pool.end();
    };
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close };
  }
  const { startServer } = await import("../server/start-server.ts");
  const running = await startServer({ pool, databaseUrl: url, buildersDir: "bench/builders", port: 0, graphqlPoolSize: CONNECTIONS });
  return { url: running.url, close: async () => { await running.close(); await pool.end(); } };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === "--serve") {
    // a clean exit on SIGTERM, so that NODE_OPTIONS=--cpu-prof writes the server's profile
    process.on("SIGTERM", () => process.exit(0));
    console.log(`LISTENING ${(await serve(process.argv[3]!, process.argv[4]!)).url}`);
  } else {
    const db = await openBenchDatabase();
    try {
      console.log(`server: ${db.server}`);
      const result = await measureReads(db, (l) => console.log(`   ${l}`), {
        rows: envNumber("BENCH_READ_ROWS", 500_000), runs: envNumber("BENCH_RUNS", 3), httpSeconds: envNumber("BENCH_HTTP_SECONDS", 5),
        http: process.env.BENCH_READS_HTTP !== "0",
        inProcess: process.env.BENCH_READS_IN_PROCESS === "1",
      });
      printReads(result);
      for (const t of readTargets(result)) console.log(targetLine(t));
      console.log(`BENCH_JSON ${JSON.stringify({ reads: result, server: db.server })}`);
    } finally {
      await db.close();
    }
  }
}
