/**
 * CPU time of processes, read from Linux's /proc (user + system, at 100 ticks a second):
 * of one process (all its threads), of one of its threads, and of a whole PostgreSQL
 * server — the postmaster and every process it forked, including backends that exited.
 *
 * The bench uses these to show where a ratio's ceiling lies: a path that needs more CPU
 * than its baseline cannot beat (baseline CPU / its CPU) once the cores are busy. Not
 * on Linux, or with a server on another machine: NaN / null.
 *
 * @example
 * const serverCpu = await serverCpuReader(pool);
 * const before = serverCpu?.() ?? NaN;
 * await work();
 * const used = (serverCpu?.() ?? NaN) - before;
 */
import { readdirSync, readFileSync } from "node:fs";
import type pg from "pg";

/** The fields of a /proc stat line after the command (field 3 onwards), or null. */
function statFields(path: string): string[] | null {
  try {
    const stat = readFileSync(path, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** user + system seconds of stat fields (utime, stime: fields 14 and 15). */
function cpuOf(fields: string[]): number {
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds (user + system) of a process, all its threads; NaN when unknown. */
export function processCpuSeconds(pid: number): number {
  const fields = statFields(`/proc/${pid}/stat`);
  return fields ? cpuOf(fields) : NaN;
}

/** CPU seconds of one thread of a process (the main thread: tid = pid); NaN when unknown. */
export function threadCpuSeconds(pid: number, tid = pid): number {
  const fields = statFields(`/proc/${pid}/task/${tid}/stat`);
  return fields ? cpuOf(fields) : NaN;
}

/**
 * A reader of the CPU seconds used so far by the PostgreSQL server behind `pool`: the
 * postmaster's own, that of its children that exited (the kernel adds a reaped child's
 * time to its parent's cutime and cstime), and that of its live children. The difference
 * of two readings is exact, backends that came and went in between included. Null when
 * the server's processes are not visible here.
 */
export async function serverCpuReader(pool: pg.Pool): Promise<(() => number) | null> {
  const { rows } = await pool.query<{ pid: number }>("select pg_backend_pid() as pid");
  const backend = statFields(`/proc/${rows[0]!.pid}/stat`);
  if (!backend) return null;
  const postmaster = Number(backend[1]); // field 4: the parent
  /** The postmaster's own CPU and its reaped children's (fields 16, 17: cutime, cstime). */
  const postmasterCpu = () => {
    const own = statFields(`/proc/${postmaster}/stat`);
    return own ? cpuOf(own) + (Number(own[13]) + Number(own[14])) / 100 : NaN;
  };
  return () => {
    // a child reaped between the two reads would count twice or not at all: read again
    for (let attempt = 0; ; attempt++) {
      const before = postmasterCpu();
      let live = 0;
      for (const name of readdirSync("/proc")) {
        if (!/^\d+$/.test(name)) continue;
        const fields = statFields(`/proc/${name}/stat`);
        if (fields && Number(fields[1]) === postmaster) live += cpuOf(fields);
      }
      const after = postmasterCpu();
      if (after === before || attempt === 4) return after + live;
    }
  };
}
