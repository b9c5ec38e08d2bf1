/**
 * Filling the staging table of `ds import` from a Parquet file (the CSV path's twin, see
 * cli/commands/import.ts): the file's footer is read and its columns checked against the
 * dataset (DS056) before anything is sent, then one COPY (text format) is fed row group by
 * row group, read with hyparquet (+ hyparquet-compressors: snappy, gzip, zstd, brotli,
 * lz4), so that memory holds one row group, never the file. A file hyparquet cannot read
 * (not Parquet, truncated, a corrupt page, an unknown codec) is DS055. The caller's
 * transaction makes it all or nothing.
 *
 * @example
 * await stageParquet(client, "ticks.parquet", target.schema, "ds_import");
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type FileMetaData, type SchemaElement } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { DsError } from "../db/errors.ts";
import type { Field } from "../worker/field-types.ts";
import { accepts, copyValue, exactParsers, typeLabel, valueKind } from "./parquet-file-columns.ts";

type AsyncBuffer = Awaited<ReturnType<typeof asyncBufferFromFile>>;

interface ImportColumn {
  name: string;
  text: (v: unknown) => string;
}

/** DS055: the file cannot be read as Parquet. */
function unreadable(file: string, err: unknown): DsError {
  const reason = (err as Error)?.message ?? String(err);
  return new DsError("DS055", `${file} is not a readable Parquet file: ${reason}`, {
    detail: "nothing was written", cause: err,
    hint: "Give a complete Parquet file (ds data --format parquet, DuckDB's COPY ... (FORMAT parquet), pyarrow); a truncated copy has no footer.",
  });
}

/** DS056: the file's columns do not fit the dataset. */
function misfit(file: string, message: string, expected: string[]): DsError {
  return new DsError("DS056", `${file}: ${message}`, {
    detail: `the file needs the columns ${expected.join(", ")} (any order, types in docs/parquet.md); nothing was written`,
    hint: "Write the file from the dataset's schema, for example with ds data --format parquet.",
  });
}

/**
 * The columns to read, in the dataset's order, checked against the file's top-level
 * columns: each field once, nothing else, of a kind its type takes. DECIMAL columns lose
 * their annotation in `metadata` (hyparquet then hands over the unscaled integers).
 */
function importColumns(file: string, metadata: FileMetaData, fields: Field[]): ImportColumn[] {
  const expected = ["ts", ...fields.map((f) => f.name)];
  const top = parquetSchema(metadata).children.map((c) => c.element);
  const unknown = top.find((e) => !expected.includes(e.name));
  if (unknown) throw misfit(file, `unknown column "${unknown.name}"`, expected);
  const twice = top.find((e, i) => top.findIndex((o) => o.name === e.name) !== i);
  if (twice) throw misfit(file, `column "${twice.name}" appears twice`, expected);
  return [{ name: "ts", type: "ts" as const }, ...fields].map((f) => {
    const element = top.find((e) => e.name === f.name);
    if (!element) throw misfit(file, `no column "${f.name}"`, expected);
    const kind = valueKind(element);
    if (kind === null || !accepts[f.type].includes(kind)) {
      throw misfit(file, `column "${f.name}" is ${typeLabel(element)}, which a ${f.type === "ts" ? "ts" : `${f.type} field`} cannot take`, expected);
    }
    const scale = element.scale ?? (element.logical_type?.type === "DECIMAL" ? element.logical_type.scale : 0);
    if (kind === "decimal") undecorate(element);
    return { name: f.name, text: copyValue(kind, scale) };
  });
}

function undecorate(element: SchemaElement): void {
  delete element.converted_type;
  delete element.logical_type;
}

/** The COPY text of the file, one block per row group: `\N` for null, tab-separated, in `columns` order. */
async function* copyBlocks(file: string, buffer: AsyncBuffer, metadata: FileMetaData, columns: ImportColumn[]): AsyncGenerator<string> {
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: unknown[][] = [];
    try {
      await parquetRead({
        file: buffer, metadata, compressors, parsers: exactParsers, utf8: false,
        columns: columns.map((c) => c.name), rowStart, rowEnd, rowFormat: "array",
        onComplete: (r) => (rows = r),
      });
    } catch (err) {
      throw unreadable(file, err);
    }
    let block = "";
    for (const row of rows) {
      for (let i = 0; i < columns.length; i++) {
        const v = row[i];
        block += (i ? "\t" : "") + (v === null || v === undefined ? "\\N" : columns[i]!.text(v));
      }
      block += "\n";
    }
    rows = [];
    yield block;
    rowStart = rowEnd;
  }
}

/** Copies the rows of the Parquet `file` into the session's temporary table `staging` (ts and `fields`). */
export async function stageParquet(client: pg.ClientBase, file: string, fields: Field[], staging: string): Promise<void> {
  let buffer: AsyncBuffer;
  let metadata: FileMetaData;
  try {
    buffer = await asyncBufferFromFile(file);
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw unreadable(file, err);
  }
  const columns = importColumns(file, metadata, fields);
  const names = columns.map((c) => `"${c.name}"`).join(", ");
  await pipeline(Readable.from(copyBlocks(file, buffer, metadata, columns)), client.query(copyFrom(`copy ${staging} (${names}) from stdin`)));
}
