/**
 * The benchmark's output: aligned tables on stdout, one TARGET line per target (figure,
 * baseline, ratio, target, met or missed), and at the end one `BENCH_JSON {...}` line for
 * machines.
 */

export interface Target {
  name: string;
  /** What the ratio is, e.g. "build rows/s / raw COPY rows/s". */
  measure: string;
  /** The ratio compared with the goal. */
  value: number;
  /** e.g. ">= 0.50" */
  goal: string;
  met: boolean;
  /** The figure measured, with its unit, e.g. "81,000 rows/s". */
  figure?: string;
  /** The baseline of the same run, with its unit and what it is, e.g. "100,000 rows/s (2 COPY streams)". */
  baseline?: string;
}

/**
 * A target on the ratio figure / baseline: `at least` (throughput) or `at most` (latency,
 * memory) the goal.
 */
export function ratioTarget(name: string, measure: string, figure: { value: number; unit: string }, baseline: { value: number; unit: string; what?: string },
  goal: { atLeast?: number; atMost?: number }): Target {
  const value = figure.value / baseline.value;
  const met = goal.atLeast !== undefined ? value >= goal.atLeast : value <= goal.atMost!;
  return {
    name,
    measure,
    value,
    goal: goal.atLeast !== undefined ? `>= ${goal.atLeast.toFixed(2)}` : `<= ${goal.atMost!.toFixed(2)}`,
    met,
    figure: `${formatNumber(figure.value)} ${figure.unit}`,
    baseline: `${formatNumber(baseline.value)} ${baseline.unit}${baseline.what ? ` (${baseline.what})` : ""}`,
  };
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

/** `TARGET MET|MISSED  name: figure F, baseline B, ratio R (measure), target G`. */
export function targetLine(t: Target): string {
  return `${t.met ? "TARGET MET   " : "TARGET MISSED"}  ${t.name}: figure ${t.figure ?? "-"}, baseline ${t.baseline ?? "-"}, ratio ${t.value.toFixed(2)} (${t.measure}), target ${t.goal}: ${t.met ? "met" : "missed"}`;
}
