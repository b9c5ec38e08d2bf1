/**
 * docs/indicators.md is executable: every statement of its sql blocks runs against the
 * example datasets (mock-ohlc and mock-multi-ohlc built for 2024 Q1, 91 days), with the
 * results it claims.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncDatasets } from "../datasets/sync.ts";
import { createPool } from "../db/pool.ts";
import { projectRoot } from "../db/project-root.ts";
import { startWorker, type RunningWorker } from "../worker/run-worker.ts";
import { useTestDatabase } from "./support/test-database.ts";

const doc = readFileSync(join(projectRoot(), "docs", "indicators.md"), "utf8");
const sqlBlocks = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
const statements = (block: string) =>
  block.replace(/--.*$/gm, "").split(";").map((s) => s.trim()).filter(Boolean);

describe("docs/indicators.md examples", () => {
  const db = useTestDatabase("indicators_docs");
  let worker: RunningWorker;
  beforeAll(async () => {
    await db.pool.end();
    db.pool = createPool(db.url, { max: 8 });
    const builders = join(projectRoot(), "builders");
    await syncDatasets(db.pool, builders);
    worker = await startWorker({ pool: db.pool, connectionString: db.url, buildersDir: builders, log: () => {} });
    for (const dataset of ["mock-ohlc", "mock-multi-ohlc"]) {
      const { rows: [{ id }] } = await db.pool.query("select ds.build($1, '0.1.0', '2024-01-01', '2024-03-31') id", [dataset]);
      const { rows: [{ wait }] } = await db.pool.query("select ds.wait($1)", [id]);
      expect(wait, dataset).toBe("succeeded");
    }
  });
  afterAll(async () => {
    await worker?.stop();
  });

  it("has the literal and the dataset examples", () => {
    expect(sqlBlocks).toHaveLength(2);
  });

  it("runs every statement with the results it claims", async () => {
    const claims: [RegExp, (rows: Record<string, unknown>[]) => void][] = [
      [/^select ds\.sma\('\{1,2,3,4,5\}', 3\)$/, (rows) => expect(rows[0]!.sma).toEqual([null, null, 2, 3, 4])],
      [/^select ds\.rsi\(array_fill/, (rows) => expect(rows[0]!.rsi).toEqual([...Array(14).fill(null), ...Array(6).fill(0)])],
      [/from ds\.bbands/, (rows) => expect(rows).toEqual([{ upper: expect.any(Array), middle: [null, null, 2, 3, 4], lower: expect.any(Array) }])],
      [/^select ts, ema/, (rows) => {
        expect(rows).toHaveLength(91);
        expect(rows.filter((r) => r.ema === null)).toHaveLength(9);
        expect(rows[9]).toMatchObject({ ts: new Date("2024-01-10T00:00:00Z"), ema: expect.any(Number) });
      }],
      [/group by ticker/, (rows) => {
        expect(rows).toHaveLength(3 * 91);
        expect(rows.filter((r) => r.rsi !== null && r.atr !== null)).toHaveLength(3 * (91 - 14));
      }],
      [/ds\.macd\(s\.c\)/, (rows) => expect(rows).toHaveLength(91 - 33)],
      [/ds\.stoch\(/, (rows) => {
        expect(rows).toHaveLength(91);
        expect(rows.filter((r) => r.slowd !== null)).toHaveLength(91 - 17);
      }],
    ];
    const matched = new Set<RegExp>();
    for (const block of sqlBlocks) {
      for (const sql of statements(block)) {
        const { rows } = await db.pool.query(sql).catch((e: Error) => {
          throw new Error(`docs/indicators.md statement failed: ${sql}\n${e.message}`);
        });
        for (const [pattern, check] of claims) {
          if (pattern.test(sql)) {
            check(rows);
            matched.add(pattern);
          }
        }
      }
    }
    expect(matched.size, "every claim matched a statement").toBe(claims.length);
  });
});
