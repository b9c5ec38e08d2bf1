/**
 * A hyparquet-writer `Writer` that hands its bytes to a Node stream (a file, an HTTP
 * response) after each row group and waits while the stream is full: the file is never
 * held whole, only the row group being encoded. (hyparquet-writer's own fileWriter writes
 * synchronously to a path; an HTTP body needs a stream.)
 *
 * @example
 * const writer = streamWriter(createWriteStream("out.parquet"));
 * const parquet = new ParquetWriter({ writer, schema });
 * await parquet.write({ columnData, rowGroupSize: n });
 * await parquet.finish(); // ends the stream
 */
import type { Writable } from "node:stream";
import { ByteWriter, type Writer } from "hyparquet-writer";

/** Resolves when `out` can take more, rejects when it closes or fails first. */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      out.off("drain", onDrain).off("close", onClose).off("error", done);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error("the output closed before the Parquet file was written"));
    out.on("drain", onDrain).on("close", onClose).on("error", done);
  });
}

export function streamWriter(out: Writable): Writer {
  const writer = new ByteWriter(1 << 20);
  const flush = (): Promise<void> | void => {
    if (writer.index === 0) return;
    // a copy: the writer reuses its buffer from index 0
    const chunk = Buffer.from(new Uint8Array(writer.buffer, 0, writer.index));
    writer.index = 0;
    if (out.destroyed) return Promise.reject(new Error("the output closed before the Parquet file was written"));
    if (!out.write(chunk)) return drained(out);
  };
  const finish = async () => {
    await flush();
    await new Promise<void>((resolve, reject) => {
      out.once("error", reject);
      out.end(() => resolve());
    });
  };
  return Object.assign(writer, { flush, finish });
}
