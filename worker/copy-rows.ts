/**
 * Writing rows into a dataset's typed table with COPY (pg-copy-streams), in COPY's text
 * format. Builder threads encode their rows with `rowEncoder` and hand over the bytes;
 * `copyBlocks` streams them into the table on the chunk's connection.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { copyText, type Field } from "./field-types.ts";
import type { Row } from "./validate-rows.ts";

export interface PointRows {
  ts: Date;
  rows: Row[];
}

/** Appends the COPY text lines of one point's rows to a block of text; returns the new block. */
export type RowEncoder = (block: string, ts: Date, rows: Row[]) => string;

export function rowEncoder(fields: Field[]): RowEncoder {
  const names = fields.map((f) => f.name);
  const encoders = fields.map((f) => copyText[f.type]);
  return (block, ts, rows) => {
    const tsText = ts.toISOString();
    for (const row of rows) {
      let line = tsText;
      for (let i = 0; i < names.length; i++) {
        const v = row[names[i]!];
        line += "\t" + (v === null || v === undefined ? "\\N" : encoders[i]!(v));
      }
      block += line + "\n";
    }
    return block;
  };
}

function* lines(points: PointRows[], fields: Field[]): Generator<string> {
  const encode = rowEncoder(fields);
  let block = "";
  for (const { ts, rows } of points) {
    block = encode(block, ts, rows);
    if (block.length > 65536) {
      yield block;
      block = "";
    }
  }
  if (block) yield block;
}

function copyStatement(table: string, fields: Field[]): string {
  const columns = ["ts", ...fields.map((f) => f.name)].map((c) => `"${c}"`).join(", ");
  // table and field names are validated at registration (lowercase identifiers); quoted anyway
  return `copy ds_data."${table}" (${columns}) from stdin`;
}

/** COPY the rows of the given points into ds_data.<table>; returns the row count. */
export async function copyRows(client: pg.ClientBase, table: string, fields: Field[], points: PointRows[]): Promise<number> {
  let count = 0;
  for (const p of points) count += p.rows.length;
  if (count === 0) return 0;
  await pipeline(Readable.from(lines(points, fields)), client.query(copyFrom(copyStatement(table, fields))));
  return count;
}

/** COPY blocks of encoded lines (from `rowEncoder`) into ds_data.<table>. */
export async function copyBlocks(client: pg.ClientBase, table: string, fields: Field[], blocks: Uint8Array[]): Promise<void> {
  if (blocks.length === 0) return;
  await pipeline(Readable.from(blocks), client.query(copyFrom(copyStatement(table, fields))));
}
