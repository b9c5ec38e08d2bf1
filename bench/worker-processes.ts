/**
 * Workers for a throughput run: the in-process worker (startWorker), or N separate
 * `ds worker` processes (node cli/main.ts worker), the way a deployment runs them (the
 * headline figures). Child processes are stopped with SIGTERM (a graceful stop) by their
 * pid; their peak resident memory (VmHWM, all threads) is read from /proc before that.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";
import { projectRoot } from "../db/project-root.ts";
import { startWorker } from "../worker/run-worker.ts";
import { benchBuilders } from "./bench-database.ts";
import { processCpuSeconds } from "./process-cpu.ts";

export interface WorkerSetup {
  /** 0: the in-process worker; N: N child processes. */
  processes: number;
  /** Jobs at once per worker (graphile-worker concurrency). */
  concurrency: number;
}

export interface StartedWorkers {
  stop(): Promise<void>;
  /** Peak resident set of each worker process so far, in MiB (none for the in-process worker). */
  peakRssMiB(): number[];
  /** CPU seconds used so far by the worker processes together (user + system, all threads); NaN in-process. */
  cpuSeconds(): number;
}

/** VmHWM of a process (Linux): its peak resident set, in MiB; NaN when unknown. */
export function peakRssMiB(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

export function describeWorkers(w: WorkerSetup): string {
  return w.processes === 0 ? `in-process, concurrency ${w.concurrency}` : `${w.processes} processes x concurrency ${w.concurrency}`;
}

export async function startWorkers(db: { pool: pg.Pool; url: string }, w: WorkerSetup, log: (s: string) => void): Promise<StartedWorkers> {
  if (w.processes === 0) {
    const worker = await startWorker({ pool: db.pool, connectionString: db.url, buildersDir: benchBuilders, concurrency: w.concurrency, log });
    return { stop: () => worker.stop(), peakRssMiB: () => [], cpuSeconds: () => NaN };
  }
  const children: ChildProcess[] = [];
  const exits: Promise<void>[] = [];
  const stop = async () => {
    for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, "SIGTERM");
    await Promise.all(exits);
  };
  try {
    for (let i = 0; i < w.processes; i++) {
      const child = spawn(
        process.execPath,
        [join(projectRoot(), "cli", "main.ts"), "worker", "--database-url", db.url, "--builders", benchBuilders, "--concurrency", String(w.concurrency)],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      children.push(child);
      exits.push(new Promise((resolve) => child.once("exit", () => resolve())));
      let stderr = "";
      child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
      await new Promise<void>((resolve, reject) => {
        let out = "";
        child.stdout!.on("data", (d: Buffer) => {
          out += d.toString();
          if (out.includes("running")) resolve();
        });
        child.once("exit", (code) => reject(new Error(`ds worker exited with ${code} before it ran: ${stderr.trim()}`)));
      });
      child.stderr!.on("data", (d: Buffer) => log(`   worker ${child.pid}: ${d.toString().trim()}`));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    stop,
    peakRssMiB: () => children.map((c) => peakRssMiB(c.pid!)),
    cpuSeconds: () => children.reduce((sum, c) => sum + processCpuSeconds(c.pid!), 0),
  };
}
