/**
 * Encoding rows in COPY's binary format (PostgreSQL docs, "COPY", "Binary Format"): a
 * header, per row a 16-bit field count and per field a 32-bit length (-1 for null) and
 * the value in its type's send format, then a trailer. It spares the worker the decimal
 * formatting of numbers and dates and the server their parsing (float8in, timestamptz_in),
 * which were most of a text-encoded row's cost. Hand-written (about 100 lines): the npm
 * encoders we found (pg-copy-streams-binary) allocate per value and stream per row.
 *
 * Used for schemas of str, int, float, bool and json fields (copy-rows.ts chooses): for
 * those the binary value is exactly what the text path would store. numeric, date and
 * timestamp fields can arrive as strings whose meaning the server decides (a decimal, a
 * time zone): such schemas keep the text format.
 */
import { DsError } from "../db/errors.ts";
import type { Field, FieldType } from "./field-types.ts";
import type { Row } from "./validate-rows.ts";

/** Field types written in binary (see above). */
export const BINARY_TYPES: ReadonlySet<FieldType> = new Set(["str", "int", "float", "bool", "json"]);

const HEADER = new Uint8Array([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
/** Milliseconds from the Unix epoch to PostgreSQL's (2000-01-01). */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4294967296;
const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

/** Appends rows to a growing buffer in COPY binary; `take` hands the bytes over and starts a new buffer. */
export class BinaryRows {
  readonly #fields: Field[];
  readonly #numbered: boolean;
  readonly #utf8 = new TextEncoder();
  readonly #initialBytes: number;
  // allocated at the first row: an empty chunk (a batch of them) allocates nothing
  #buf = new Uint8Array(0);
  #view = new DataView(this.#buf.buffer);
  #pos = 0;
  #started = false;
  #nextBytes = 0;
  /** The most bytes of a row's fixed-size parts: field count, ts, 12 per field, row number. */
  readonly #rowBytes: number;

  /** initialBytes: the size of a new block's buffer (it grows when a point's rows need more). */
  constructor(fields: Field[], numbered: boolean, initialBytes = 1 << 19) {
    this.#fields = fields;
    this.#numbered = numbered;
    this.#initialBytes = initialBytes;
    this.#rowBytes = 2 + 12 + fields.length * 12 + 8;
  }

  get size(): number {
    return this.#pos;
  }

  add(ts: Date, rows: Row[]): void {
    if (rows.length === 0) return;
    if (!this.#started) {
      this.#ensure(HEADER.length);
      this.#buf.set(HEADER, this.#pos);
      this.#pos += HEADER.length;
      this.#started = true;
    }
    const fields = this.#fields;
    const count = fields.length + (this.#numbered ? 2 : 1);
    const us = (ts.getTime() - PG_EPOCH_MS) * 1000;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      // room for the row's fixed-size parts at once; a text value makes room for itself and
      // for the fields after it (#text)
      this.#ensure(this.#rowBytes);
      this.#view.setInt16(this.#pos, count);
      this.#pos += 2;
      this.#length(8);
      this.#int8(us);
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i]!;
        const v = row[f.name];
        if (v === null || v === undefined) this.#length(-1);
        else this.#value(f, v);
      }
      if (this.#numbered) {
        this.#length(4);
        this.#view.setInt32(this.#pos, r + 1);
        this.#pos += 4;
      }
    }
  }

  /** The bytes so far as one block (`last`: with the trailer), or null when there are none. */
  take(last: boolean): Uint8Array | null {
    if (last && this.#started) {
      this.#ensure(2);
      this.#view.setInt16(this.#pos, -1);
      this.#pos += 2;
    }
    if (this.#pos === 0) return null;
    const block = this.#buf.subarray(0, this.#pos);
    // the next block starts as large as this one grew (allocated when it gets its first row)
    this.#buf = new Uint8Array(0);
    this.#view = new DataView(this.#buf.buffer);
    this.#nextBytes = Math.max(this.#initialBytes, block.buffer.byteLength);
    this.#pos = 0;
    return block;
  }

  #value(f: Field, v: unknown): void {
    switch (f.type) {
      case "float":
        this.#length(8);
        this.#view.setFloat64(this.#pos, (v as number) === 0 ? 0 : (v as number));
        this.#pos += 8;
        return;
      case "int":
        this.#length(8);
        if (typeof v === "bigint") {
          if (v < INT8_MIN || v > INT8_MAX) {
            throw new DsError("DS017", `field "${f.name}": value ${v} is out of range for type bigint`, {
              detail: "22003", hint: "int fields hold 64-bit integers.",
            });
          }
          this.#view.setBigInt64(this.#pos, v);
          this.#pos += 8;
        } else this.#int8(v as number);
        return;
      case "bool":
        this.#length(1);
        this.#buf[this.#pos++] = v ? 1 : 0;
        return;
      case "json":
        this.#text(JSON.stringify(v), 1);
        return;
      default:
        this.#text(v as string, 0);
    }
  }

  /** A text value (json: after jsonb's version byte 1). */
  #text(s: string, jsonbVersion: number): void {
    const prefix = jsonbVersion ? 1 : 0;
    this.#ensure(4 + prefix + s.length * 3 + this.#rowBytes);
    const at = this.#pos;
    this.#pos += 4;
    if (prefix) this.#buf[this.#pos++] = jsonbVersion;
    const { written } = this.#utf8.encodeInto(s, this.#buf.subarray(this.#pos));
    this.#pos += written;
    this.#view.setInt32(at, prefix + written);
  }

  #length(n: number): void {
    this.#view.setInt32(this.#pos, n);
    this.#pos += 4;
  }

  /** An int8 from a safe integer (its length word written before). */
  #int8(n: number): void {
    const hi = Math.floor(n / TWO_32);
    this.#view.setInt32(this.#pos, hi);
    this.#view.setUint32(this.#pos + 4, n - hi * TWO_32);
    this.#pos += 8;
  }

  #ensure(bytes: number): void {
    if (this.#pos + bytes <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#initialBytes, this.#nextBytes, this.#pos + bytes));
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }
}
