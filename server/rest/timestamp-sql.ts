/**
 * SQL expressions that print a timestamptz the way the REST API shows it. The original
 * server printed naive UTC datetimes with Python's isoformat(): "2024-01-02T00:00:00", and
 * ".ffffff" only when there are microseconds. Printed by PostgreSQL, so no precision is lost.
 *
 * @example
 * `select ${naiveIso("b.created_at")} as created_at from ds.builds b`
 */
export function naiveIso(expression: string): string {
  return `regexp_replace(to_char((${expression}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '\\.000000$', '')`;
}

/** ISO 8601 UTC with Z and no trailing zeros in the fraction, as `ds data --format csv` prints ts. */
export function utcIso(expression: string): string {
  return `regexp_replace(to_char((${expression}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '\\.?0*$', '') || 'Z'`;
}
