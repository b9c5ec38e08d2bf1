/**
 * Connection pools with datastream's value conventions: int8 arrives as a number (a
 * bigint beyond 2^53), date as 'YYYY-MM-DD', numeric as a string, timestamptz as a Date.
 */
import pg from "pg";

const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20) return (v: string) => {
      const n = Number(v);
      return Number.isSafeInteger(n) ? n : BigInt(v);
    };
    if (oid === 1082) return (v: string) => v;
    return pg.types.getTypeParser(oid, format as "text");
  },
};

export function createPool(connectionString: string, options: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString, types: types as pg.CustomTypesConfig, ...options });
  // idle clients that lose their server are dropped and replaced
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}
