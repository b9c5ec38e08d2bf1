/** Messages of lost or refused database connections (node-postgres, PostgreSQL's 57P0x, 08xxx). */
export const LOST_CONNECTION = /terminat|connection (error|refused|closed)|ECONNREFUSED|ECONNRESET|not queryable|the database system is (starting up|shutting down|in recovery)|Connection terminated/i;

/** Whether an error is the database going away or not answering yet (a restart, a failover). */
export function isLostConnection(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return /^(57P0[1-3]|08)/.test(e?.code ?? "") || LOST_CONNECTION.test(String(e?.message ?? err));
}
