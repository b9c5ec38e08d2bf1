/**
 * The benchmark's output: aligned tables on stdout, a TARGET line per target (met or
 * missed), and at the end one `BENCH_JSON {...}` line for machines.
 */

export interface Target {
  name: string;
  /** e.g. "build rows/s / raw COPY rows/s" */
  measure: string;
  value: number;
  /** e.g. ">= 0.50" */
  goal: string;
  met: boolean;
}

/** An aligned text table: numbers right-aligned, the columns in `left` (default the first) left-aligned. */
export function table(headers: string[], rows: Array<Array<string | number>>, left: number[] = [0]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === "number" ? formatNumber(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => (left.includes(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  return [line(cells[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000 || Number.isInteger(n)) return Math.round(n).toLocaleString("en-US");
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export function heading(title: string): void {
  console.log(`\n== ${title} ${"=".repeat(Math.max(0, 76 - title.length))}`);
}

export function note(text: string): void {
  console.log(`   ${text}`);
}

export function targetLine(t: Target): string {
  return `${t.met ? "TARGET MET   " : "TARGET MISSED"}  ${t.name}: ${t.measure} = ${formatNumber(t.value)} (goal ${t.goal})`;
}
