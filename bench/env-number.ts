/** A positive number from the environment (underscores allowed: 1_000_000), or the fallback. */
export function envNumber(name: string, fallback: number): number {
  const v = process.env[name];
  const n = v ? Number(v.replaceAll("_", "")) : fallback;
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${v}`);
  return n;
}
