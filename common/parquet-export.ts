/**
 * Writing the rows of a dataset version over a range as one Parquet file to a stream, with
 * bounded memory: rows leave PostgreSQL through one binary COPY of the typed range read
 * (ds_data.<table>_rows, ts and key order), decoded into columns ROW_GROUP rows at a time;
 * each batch becomes one row group of hyparquet-writer, flushed to the stream before more
 * is read (COPY waits meanwhile: backpressure). The types: see parquet-columns.ts; the
 * figures: docs/parquet.md.
 *
 * @example
 * const source = await parquetSource(client, "ticks", "0.1.0", start, end);
 * const rows = await writeParquet(client, source, createWriteStream("ticks.parquet"));
 */
import type { Writable } from "node:stream";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { ParquetWriter } from "hyparquet-writer";
import type { Field } from "../worker/field-types.ts";
import { copyBinaryColumns } from "./copy-binary-columns.ts";
import { jsonNamedInFooter, parquetColumns } from "./parquet-columns.ts";
import { streamWriter } from "./parquet-stream-writer.ts";

/** Rows per row group (hyparquet-writer's own default size after its first group). */
export const ROW_GROUP = 100_000;

export interface ParquetSource {
  name: string;
  version: string;
  start: string;
  end: string;
  fields: Field[];
  key: string[];
  /** The typed range read, schema-qualified and quoted. */
  read: string;
  /** True when some calendar point of the range is not built yet (REST answers 206). */
  gaps: boolean;
}

/**
 * The version's fields and typed read; SQL refuses an unknown version (DS001), a bad one
 * (DS002) or range (DS012) through ds.missing, which also says whether gaps are left. With
 * `build`, gaps are built first through ds.data(..., build => true), the build every read
 * shares (its limits, ds.max_points and ds.max_rows, apply then: only when something is
 * missing). Outside a transaction: the build commits through dblink.
 */
export async function parquetSource(db: pg.ClientBase, name: string, version: string, start: string, end: string, build = false): Promise<ParquetSource> {
  const args = [name, version, start, end];
  let { gaps } = (await db.query<{ gaps: boolean }>("select exists (select from ds.missing($1, $2, $3, $4)) as gaps", args)).rows[0]!;
  if (build && gaps) {
    await db.query("select count(*) from ds.data($1, $2, $3, $4, build => true)", args);
    gaps = false;
  }
  // the typed read of ds_data.<table> is ds_data.<table>_rows (its comment, and docs/reads.md)
  const { rows } = await db.query<{ schema: Field[]; key: string[]; read: string }>(
    "select schema, key, format('ds_data.%I', (parse_ident(table_name))[2] || '_rows') as read from ds.datasets where name = $1 and version = $2",
    [name, version]);
  const meta = rows[0]!;
  return { name, version, start, end, fields: meta.schema, key: meta.key, read: meta.read, gaps };
}

/**
 * Writes the rows of `source` to `out` as one Parquet file and ends `out`; returns the row
 * count. One statement (a COPY: its own snapshot). `rowGroup`: rows per row group.
 */
export async function writeParquet(db: pg.ClientBase, source: ParquetSource, out: Writable, rowGroup = ROW_GROUP): Promise<number> {
  const columns = parquetColumns(source.fields);
  const parquet = new ParquetWriter({
    writer: streamWriter(out),
    schema: [{ name: "root", num_children: columns.length }, ...columns.map((c) => c.element)],
    createdBy: "datastream",
    kvMetadata: [{ key: "datastream", value: JSON.stringify({ name: source.name, version: source.version, key: source.key, schema: source.fields }) }],
  });
  // COPY takes no parameters: start and end are quoted; both are ISO 8601 with an explicit zone (isoTimestamp)
  const range = `${pg.escapeLiteral(source.start)}::timestamptz, ${pg.escapeLiteral(source.end)}::timestamptz`;
  const copy = db.query(copyTo(`copy (select ${columns.map((c) => c.select).join(", ")} from ${source.read}(${range}) t) to stdout (format binary)`));
  let total = 0;
  for await (const data of copyBinaryColumns(copy, columns.map((c) => c.kind), rowGroup)) {
    total += data[0]!.length;
    await parquet.write({ columnData: columns.map((c, i) => ({ name: c.name, data: data[i]! })), rowGroupSize: data[0]!.length });
  }
  jsonNamedInFooter(parquet.schema);
  await parquet.finish();
  return total;
}
