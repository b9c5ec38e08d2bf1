/**
 * Writing rows into a dataset's typed table with COPY (pg-copy-streams), in COPY's text
 * format, streamed in blocks of about 64 KiB.
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

function* lines(points: PointRows[], fields: Field[]): Generator<string> {
  const encoders = fields.map((f) => copyText[f.type]);
  let block = "";
  for (const { ts, rows } of points) {
    const tsText = ts.toISOString();
    for (const row of rows) {
      let line = tsText;
      for (let i = 0; i < fields.length; i++) {
        const v = row[fields[i]!.name];
        line += "\t" + (v === null || v === undefined ? "\\N" : encoders[i]!(v));
      }
      block += line + "\n";
      if (block.length > 65536) {
        yield block;
        block = "";
      }
    }
  }
  if (block) yield block;
}

/** COPY the rows of the given points into ds_data.<table>; returns the row count. */
export async function copyRows(client: pg.ClientBase, table: string, fields: Field[], points: PointRows[]): Promise<number> {
  let count = 0;
  for (const p of points) count += p.rows.length;
  if (count === 0) return 0;
  const columns = ["ts", ...fields.map((f) => f.name)].map((c) => `"${c}"`).join(", ");
  // table and field names are validated at registration (lowercase identifiers); quoted anyway
  const stream = client.query(copyFrom(`copy ds_data."${table}" (${columns}) from stdin`));
  await pipeline(Readable.from(lines(points, fields)), stream);
  return count;
}
