/**
 * Writing rows into a dataset's typed table with COPY (pg-copy-streams), in COPY's text
 * format. Builder threads encode their rows with `rowEncoder` and hand over the bytes;
 * `copyBlocks` streams them into the table on the chunk's connection. The table of a
 * dataset without key (`numbered`) has the implicit last column row_number: each point's
 * rows are numbered 1, 2, ... in the order the builder returned them.
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

export function rowEncoder(fields: Field[], numbered = false): RowEncoder {
  const names = fields.map((f) => f.name);
  const encoders = fields.map((f) => copyText[f.type]);
  return (block, ts, rows) => {
    const tsText = ts.toISOString();
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      let line = tsText;
      for (let i = 0; i < names.length; i++) {
        const v = row[names[i]!];
        line += "\t" + (v === null || v === undefined ? "\\N" : encoders[i]!(v));
      }
      block += numbered ? `${line}\t${r + 1}\n` : line + "\n";
    }
    return block;
  };
}

function* lines(points: PointRows[], fields: Field[], numbered: boolean): Generator<string> {
  const encode = rowEncoder(fields, numbered);
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

function copyStatement(table: string, fields: Field[], numbered: boolean): string {
  const names = ["ts", ...fields.map((f) => f.name), ...(numbered ? ["row_number"] : [])];
  const columns = names.map((c) => `"${c}"`).join(", ");
  // table and field names are validated at registration (lowercase identifiers); quoted anyway
  return `copy ds_data."${table}" (${columns}) from stdin`;
}

/** COPY the rows of the given points into ds_data.<table> (`numbered`: a dataset without key); returns the row count. */
export async function copyRows(client: pg.ClientBase, table: string, fields: Field[], points: PointRows[], numbered = false): Promise<number> {
  let count = 0;
  for (const p of points) count += p.rows.length;
  if (count === 0) return 0;
  await pipeline(Readable.from(lines(points, fields, numbered)), client.query(copyFrom(copyStatement(table, fields, numbered))));
  return count;
}

/** COPY blocks of encoded lines (from `rowEncoder`, with the same `numbered`) into ds_data.<table>. */
export async function copyBlocks(client: pg.ClientBase, table: string, fields: Field[], blocks: Uint8Array[], numbered = false): Promise<void> {
  if (blocks.length === 0) return;
  await pipeline(Readable.from(blocks), client.query(copyFrom(copyStatement(table, fields, numbered))));
}
