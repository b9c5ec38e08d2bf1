/**
 * The baseline of build throughput: a raw COPY, from Node with pg-copy-streams, of exactly
 * the rows a build produced, into the same (truncated) table. The rows are captured once
 * with `copy ... to stdout` into memory, so the baseline pays for nothing but COPY.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import type { DatasetVersion } from "./dataset-table.ts";
import { now } from "./stats.ts";

export interface CapturedRows {
  chunks: Buffer[];
  bytes: number;
}

export async function captureRows(pool: pg.Pool, v: DatasetVersion): Promise<CapturedRows> {
  const client = await pool.connect();
  try {
    // COPY TO sends one message per row: gather them into blocks of about 64 KiB, the
    // size the worker's COPY writer sends
    const chunks: Buffer[] = [];
    let block: Buffer[] = [];
    let blockBytes = 0;
    let bytes = 0;
    const stream = client.query(copyTo(`copy ds_data."${v.table}" to stdout`));
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      block.push(chunk);
      blockBytes += chunk.length;
      bytes += chunk.length;
      if (blockBytes >= 65536) {
        chunks.push(Buffer.concat(block));
        block = [];
        blockBytes = 0;
      }
    }
    if (block.length) chunks.push(Buffer.concat(block));
    return { chunks, bytes };
  } finally {
    client.release();
  }
}

/** COPY the captured rows into the (empty) table in one statement; returns milliseconds. */
export async function copyCaptured(pool: pg.Pool, v: DatasetVersion, rows: CapturedRows): Promise<number> {
  const client = await pool.connect();
  try {
    const t0 = now();
    await pipeline(Readable.from(rows.chunks), client.query(copyFrom(`copy ds_data."${v.table}" from stdin`)));
    return now() - t0;
  } finally {
    client.release();
  }
}
