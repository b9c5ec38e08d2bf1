/**
 * The baseline of build throughput: a raw COPY, from Node with pg-copy-streams, of exactly
 * the rows a build produced, into the same (truncated) table, in N concurrent streams (one
 * per chunk slot of the build it is compared with), each in its own transaction. The rows
 * are captured once with `copy ... to stdout` into memory, so the baseline pays for
 * nothing but COPY.
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
    // gather COPY TO's output into blocks of about 64 KiB of whole lines
    const chunks: Buffer[] = [];
    let block: Buffer[] = [];
    let blockBytes = 0;
    let bytes = 0;
    // a partitioned table is copied out through a query (COPY TO takes only plain tables)
    const stream = client.query(copyTo(`copy (select * from ds_data."${v.table}") to stdout`));
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      block.push(chunk);
      blockBytes += chunk.length;
      bytes += chunk.length;
      if (blockBytes >= 65536) {
        // blocks end at a line's end, so that N streams can each take whole rows
        const joined = Buffer.concat(block);
        const cut = joined.lastIndexOf(10) + 1;
        chunks.push(joined.subarray(0, cut));
        block = cut < joined.length ? [joined.subarray(cut)] : [];
        blockBytes = joined.length - cut;
      }
    }
    if (block.length) chunks.push(Buffer.concat(block));
    return { chunks, bytes };
  } finally {
    client.release();
  }
}

/**
 * COPY the captured rows into the (empty) table in `streams` concurrent statements on as
 * many connections (consecutive shares of the rows); returns the wall milliseconds.
 */
export async function copyCaptured(pool: pg.Pool, v: DatasetVersion, rows: CapturedRows, streams = 1): Promise<number> {
  const clients = await Promise.all(Array.from({ length: streams }, () => pool.connect()));
  try {
    const share = Math.ceil(rows.chunks.length / streams);
    const t0 = now();
    await Promise.all(clients.map((client, i) =>
      pipeline(Readable.from(rows.chunks.slice(i * share, (i + 1) * share)), client.query(copyFrom(`copy ds_store."${v.table}" from stdin`)))));
    return now() - t0;
  } finally {
    for (const c of clients) c.release();
  }
}
