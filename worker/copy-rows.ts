/**
 * Writing rows into a dataset's typed table with COPY (pg-copy-streams), in COPY's binary
 * format when the schema allows it (copy-binary.ts), else its text format (`rowEncoder`).
 * Builder threads encode their rows with `blockEncoder` and hand over the bytes as they
 * make them; a `CopyWriter` streams them into the table on the chunk's connection,
 * with backpressure (a block is taken once the socket drained). The table of a
 * dataset without key (`numbered`) has the implicit last column row_number: each point's
 * rows are numbered 1, 2, ... in the order the builder returned them.
 */
import { finished } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { BINARY_TYPES, BinaryRows } from "./copy-binary.ts";
import { copyText, type Field } from "./field-types.ts";
import type { Row } from "./validate-rows.ts";

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

/** COPY's format for a schema: binary when every field type has an exact binary form (copy-binary.ts), else text. */
export function copyFormat(fields: Field[]): "binary" | "text" {
  return fields.every((f) => BINARY_TYPES.has(f.type)) ? "binary" : "text";
}

/** Room beyond a block's size in its buffer, for the rows of the point that crosses it (more grows the buffer). */
const POINT_SLACK_BYTES = 64 * 1024;

/** Collects encoded rows for COPY in the schema's format and hands them over in blocks. */
export interface BlockEncoder {
  /** Adds one point's rows (without key: numbered 1, 2, ... in this order). */
  add(ts: Date, rows: Row[]): void;
  /** Bytes (or characters) collected since the last block. */
  readonly size: number;
  /** The collected rows as one block (`last`: the end of the COPY data), or null when there are none. */
  take(last: boolean): Uint8Array | null;
}

/** blockBytes: the size at which the caller takes a block (binary blocks are allocated that large, plus room for one point's rows). */
export function blockEncoder(fields: Field[], numbered: boolean, blockBytes?: number): BlockEncoder {
  if (copyFormat(fields) === "binary") return new BinaryRows(fields, numbered, blockBytes === undefined ? undefined : blockBytes + POINT_SLACK_BYTES);
  const encode = rowEncoder(fields, numbered);
  const utf8 = new TextEncoder();
  let block = "";
  return {
    add: (ts, rows) => void (block = encode(block, ts, rows)),
    get size() {
      return block.length;
    },
    take: () => {
      if (!block) return null;
      const data = utf8.encode(block);
      block = "";
      return data;
    },
  };
}

/** The COPY statement of a version's table, in the schema's format (copyFormat). */
export function copyStatement(table: string, fields: Field[], numbered: boolean): string {
  const names = ["ts", ...fields.map((f) => f.name), ...(numbered ? ["row_number"] : [])];
  const columns = names.map((c) => `"${c}"`).join(", ");
  // table and field names are validated at registration (lowercase identifiers); quoted anyway
  return `copy ds_store."${table}" (${columns}) from stdin${copyFormat(fields) === "binary" ? " with (format binary)" : ""}`;
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
