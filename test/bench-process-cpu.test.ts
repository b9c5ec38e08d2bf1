/**
 * The bench's CPU meters (bench/process-cpu.ts), on the real test server: the CPU of a
 * PostgreSQL server's processes — those that exit while the meter runs included — and of
 * a process's main thread. The bench prints the ceilings of its ratios from these.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { serverCpuReader, processCpuSeconds, threadCpuSeconds } from "../bench/process-cpu.ts";
import { useTestDatabase } from "./support/test-database.ts";

const db = useTestDatabase("bench_process_cpu");
/** About a second of one backend's CPU. */
const BURN = "select count(*) from generate_series(1, 4000000) g where g % 7 = 3";

describe("bench CPU meters", () => {
  it("counts the CPU of a backend that connected after the meter started and exited before it was read", async () => {
    const reader = await serverCpuReader(db.pool);
    expect(reader, "the test server runs on this machine").not.toBeNull();
    const serverCpu = reader!;
    const before = serverCpu();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ pid: number }>("select pg_backend_pid() as pid");
    await client.query(BURN);
    const own = processCpuSeconds(rows[0]!.pid);
    await client.end();
    // the backend is gone (reaped by the postmaster): its time is in the postmaster's cutime
    for (let i = 0; i < 100 && existsSync(`/proc/${rows[0]!.pid}`); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const used = serverCpu() - before;
    expect(own).toBeGreaterThan(0.2);
    expect(used).toBeGreaterThanOrEqual(own);
  });

  it("reads a process's main thread apart from its other threads", async () => {
    // a child whose main thread spins until it has used 400 ms of CPU (however busy the
    // machine), says so, then waits
    const child = spawn(process.execPath, ["-e",
      "let x = 0; while (process.threadCpuUsage().user < 400_000) x += Math.sqrt(x + 1); console.log('spun'); setTimeout(() => {}, 30_000);"]);
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => { if (d.toString().includes("spun")) resolve(); });
        child.once("exit", (code) => reject(new Error(`the child exited with ${code}`)));
      });
      const main = threadCpuSeconds(child.pid!);
      const all = processCpuSeconds(child.pid!);
      expect(main).toBeGreaterThanOrEqual(0.39); // /proc counts in ticks of 10 ms
      expect(all).toBeGreaterThanOrEqual(main);
      expect(threadCpuSeconds(child.pid!, 999_999_999)).toBeNaN();
    } finally {
      child.kill();
    }
  });
});
