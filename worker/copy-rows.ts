/**
 * Writing rows into a dataset's typed table with COPY (pg-copy-streams), in COPY's text
 * format. Builder threads encode their rows with `rowEncoder` and hand over the bytes as
 * they make them; a `CopyWriter` streams them into the table on the chunk's connection,
 * with backpressure (a block is taken once the socket drained). The table of a
 * dataset without key (`numbered`) has the implicit last column row_number: each point's
 * rows are numbered 1, 2, ... in the order the builder returned them.
 */
import { Readable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
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

export function copyStatement(table: string, fields: Field[], numbered: boolean): string {
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

/**
 * An open COPY into a table on `client` that takes blocks of encoded lines (from
 * `rowEncoder`) one at a time: `write` resolves when the connection can take the next
 * one, so the caller holds one block, not the whole chunk. `abort` sends CopyFail: the
 * statement fails and the client's transaction must be rolled back.
 */
export class CopyWriter {
  readonly #stream: ReturnType<typeof copyFrom>;
  #error: unknown = null;

  constructor(client: pg.ClientBase, statement: string) {
    this.#stream = client.query(copyFrom(statement));
    this.#stream.on("error", (err: unknown) => (this.#error ??= err));
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#error) return Promise.reject(this.#error);
    if (this.#stream.write(data)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const settle = (err?: unknown) => {
        this.#stream.off("drain", drained).off("error", failed);
        if (err) reject(err);
        else resolve();
      };
      const drained = () => settle();
      const failed = (err: unknown) => settle(err);
      this.#stream.once("drain", drained).once("error", failed);
    });
  }

  /** Ends the COPY; resolves when the server took every row. */
  async end(): Promise<void> {
    if (this.#error) throw this.#error;
    this.#stream.end();
    await finished(this.#stream);
  }

  abort(reason: Error): void {
    if (!this.#stream.destroyed && !this.#stream.writableFinished) this.#stream.destroy(reason);
  }
}
