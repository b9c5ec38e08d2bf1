/**
 * The REST API described for machines: an OpenAPI 3.1 document generated (zod-openapi) from
 * zod schemas of each route's parameters and answers. The same schemas check real answers
 * in test/rest-openapi.test.ts, so the description cannot drift from what the routes send.
 * Served at /api/v1/openapi.json, with Swagger UI (swagger-ui-dist, served from the
 * project, no CDN) at /api/v1/docs, as the original FastAPI server did at /docs.
 */
import * as z from "zod";
import { createDocument } from "zod-openapi";

const version = z.string().meta({ description: "Semantic version MAJOR.MINOR.PATCH[-PRERELEASE] (400 otherwise)", example: "0.1.0" });
const name = z.string().meta({ description: "Dataset name", example: "mock-ohlc" });
const target = z.object({ name, version });
/** A Parquet file (format=parquet). */
const parquetBody = z.string().meta({ format: "binary", description: "A Parquet file: ts (TIMESTAMP, UTC, microseconds) and the schema's fields, in ts and key order" });
const timestamp = z.string().meta({ description: "ISO 8601 date or date-time, as Python's datetime.fromisoformat reads it; UTC without an offset (400 otherwise)", example: "2024-01-31" });
const flag = (description: string) => z.enum(["true", "false", "1", "0", "yes", "no", "on", "off", "t", "f", "y", "n"]).optional().meta({ description });
const naive = z.string().meta({ description: "ISO 8601 without offset, in UTC, as the original server wrote timestamps", example: "2024-01-02T00:00:00" });

export const errorBody = z.object({
  detail: z.union([z.string(), z.array(z.object({ type: z.string(), loc: z.array(z.string()), msg: z.string(), input: z.string().nullable() }))])
    .meta({ description: "What went wrong; for a missing or malformed parameter (422) the list pydantic gives" }),
  code: z.string().optional().meta({ description: "The SQLSTATE: DS001 ... (see the README's error table), 22007, ..." }),
  hint: z.string().optional(),
  build: z.record(z.string(), z.unknown()).optional().meta({ description: "The build, when one failed (DS021)" }),
}).meta({ id: "Error" });

export const statusBody = z.strictObject({ status: z.literal("ok") }).meta({ id: "Ok" });

export const datasetsBody = z.strictObject({
  datasets: z.array(z.strictObject({ name: z.string(), version: z.string(), has_data: z.boolean() })),
}).meta({ id: "Datasets" });

const range = z.strictObject({ start: z.string(), end: z.string() });

export const catalogBody = z.strictObject({
  datasets: z.array(z.strictObject({
    name: z.string(), version: z.string(),
    kind: z.enum(["built", "transform", "written", "source"]).meta({ description: "From the builder: builder.ts/builder.sql built, transform:<kind>, external written, source:<kind>" }),
    rows: z.number().int(), rows_estimated: z.boolean().meta({ description: "rows is the planner's estimate (100,000 rows or more), else an exact count" }),
    points: z.number().int().meta({ description: "Calendar points from the start date to now (or the last built point, if later)" }),
    built_points: z.number().int(), coverage: z.number().min(0).max(1).meta({ description: "built_points / points" }),
    stale: z.array(range.extend({ keys: z.array(z.record(z.string(), z.unknown())) })).meta({ description: "Built slot ranges [start, end) outdated for some keys" }),
    building: z.array(range).meta({ description: "Ranges its chunks in flight cover" }),
    description: z.string().nullable(), calendar: z.string(), granularity: z.string(), start: z.string(),
    tags: z.record(z.string(), z.unknown()), key: z.array(z.string()), schema: z.array(z.record(z.string(), z.unknown())), builder: z.string(),
    dependencies: z.array(z.record(z.string(), z.unknown())), is_newest: z.boolean(), first_built: z.string().nullable(), last_built: z.string().nullable(),
    latest_build: z.strictObject({
      id: z.number().int(), state: z.enum(["queued", "running", "succeeded", "failed", "cancelled"]), progress: z.number().min(0).max(1),
      error_code: z.string().nullable(), created_at: z.string(), finished_at: z.string().nullable(),
    }).nullable(),
  })),
}).meta({ id: "Catalog" });

const rowGroup = z.strictObject({
  timestamp: naive,
  data: z.array(z.record(z.string(), z.unknown())).meta({ description: "The rows of that timestamp (fields of the dataset's schema), in key order" }),
});

export const dataBody = z.strictObject({
  dataset_name: z.string(),
  dataset_version: z.string(),
  total_timestamps: z.number().int().meta({ description: "Calendar points in [start, end] from the start date on" }),
  returned_timestamps: z.number().int().meta({ description: "Timestamps with rows in the answer" }),
  rows: z.array(rowGroup),
}).meta({ id: "Data" });

export const dryRunBody = z.strictObject({
  dataset_name: z.string(),
  dataset_version: z.string(),
  dry_run: z.literal(true),
  rows: z.array(rowGroup),
}).meta({ id: "DryRun" });

export const buildBody = z.strictObject({
  id: z.number().int(), dataset: z.string(), version: z.string(), start: naive, end: naive,
  state: z.enum(["queued", "running", "succeeded", "failed", "cancelled"]),
  progress: z.number().min(0).max(1), tasks: z.number().int(), points: z.number(), points_built: z.number(), rows_written: z.number(),
  error: z.string().nullable(), created_at: naive, started_at: naive.nullable(), finished_at: naive.nullable(),
}).meta({ id: "Build" });

export const queuedBody = z.strictObject({ status: z.literal("ok"), build: buildBody }).meta({ id: "Queued" });

export const deletedBody = z.strictObject({
  dataset_name: z.string(), dataset_version: z.string(), rows_deleted: z.number().int(), start: naive, end: naive,
}).meta({ id: "Deleted" });

const iso = z.string().meta({ description: "ISO 8601 in UTC with Z, with microseconds when there are some", example: "2024-03-01T14:30:00.25Z" });

export const writtenBody = z.strictObject({
  dataset_name: z.string(), dataset_version: z.string(),
  written: z.number().int().meta({ description: "Rows inserted or changed (an identical row is not rewritten)" }),
  first: iso.nullable().meta({ description: "First written ts (null when nothing was written)" }),
  last: iso.nullable().meta({ description: "Last written ts" }),
}).meta({ id: "Written" });

const rowObject = z.record(z.string(), z.unknown()).meta({ description: "ts (ISO 8601, UTC unless it has an offset) and every field of the schema", example: { ts: "2024-03-01T14:30:00Z", ticker: "AAA", price: 10.5 } });

/** The data of one SSE event (event: rows, or catch-up after a reconnection with Last-Event-ID). */
export const pushedEvent = z.strictObject({
  dataset: z.string(), version: z.string(),
  rows: z.number().int().nullable().meta({ description: "Rows the chunk or write committed (null for catch-up)" }),
  first: z.string().meta({ description: "First ts of the range (a chunk's first point, a write's first ts, or the Last-Event-ID)" }),
  last: z.string().nullable().meta({ description: "Last ts of the range; also the event's id" }),
  truncated: z.boolean().meta({ description: "The range holds more rows than values carries (DS_MAX_PUSH_ROWS, 1000): read it with GET /data" }),
  values: z.array(z.strictObject({ ts: z.string(), data: z.record(z.string(), z.unknown()) })).meta({ description: "The rows stored in [first, last] that match the key filters, in ts and key order" }),
}).meta({ id: "PushedRows" });

const json = (schema: z.ZodType, description: string) => ({ description, content: { "application/json": { schema } } });
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), json(errorBody, errorText[c]!)]));
const errorText: Record<number, string> = {
  400: "A malformed version or timestamp; a write body that is not rows (DS057); a non-finite ts (DS035)",
  401: "No key, a wrong key, or no key configured on the server",
  404: "Unknown dataset or version (DS001), or nothing to delete",
  409: "A written row exists and the dataset's conflict policy is reject (DS027); nothing was written",
  413: "The body is over DS_MAX_WRITE_BYTES (DS058); nothing was written",
  415: "A write body that is neither application/json nor text/csv (DS057)",
  422: "A missing or malformed parameter, a bad written row (DS017, naming it) or a built dataset (DS028), a range without calendar points (DS013), one that ends before the start date (DS012), over a limit (DS033), not OHLC-shaped for interval (DS025)",
  500: "A builder failed (DS021 and the build), or an internal error",
  503: "The database is unreachable, or a write reached a read-only standby (DS036)",
  504: "The build goes on past DS_BUILD_WAIT (DS016, naming the build)",
};

const dataQuery = z.object({
  start: timestamp, end: timestamp,
  "build-data": flag("Build what is missing first (default true); false answers 206 when some points are not built"),
  format: z.enum(["json", "csv", "parquet"]).optional().meta({
    description: "json (default), csv (ts and the schema's fields) or parquet (a Parquet file of ts and the schema's fields, streamed; types in docs/parquet.md; whole range only: no key filter, no limit, not held to DS_MAX_ROWS)",
  }),
  limit: z.string().regex(/^[1-9][0-9]*$/).optional().meta({ description: "At most this many timestamps, the earliest" }),
  interval: z.string().optional().meta({ description: "OHLC bars resampled on the fly at this granularity (ds.bars), e.g. 5m, 1h, 1d" }),
}).catchall(z.string().meta({ description: "A key filter: a key field of the dataset and its value, e.g. ticker=MSFT" }));

/** The OpenAPI document of the REST API. */
export function openApiDocument(): ReturnType<typeof createDocument> {
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "datastream REST API",
      version: "1",
      description: "The REST API of the original builder server (same routes, shapes and status codes), plus key filters, limit and interval on /data. Every route but /status, /catalog, /openapi.json and /docs needs `Authorization: Bearer <key>` (`ds api-key create NAME`).",
    },
    components: { securitySchemes: { key: { type: "http", scheme: "bearer", description: "An API key (ds api-key create NAME)" } } },
    security: [{ key: [] }],
    paths: {
      "/api/v1/status": { get: { summary: "Health of the API", security: [], responses: { "200": json(statusBody, "Up") } } },
      "/api/v1/catalog": {
        get: {
          summary: "The web UI's catalog: every dataset version with its kind, rows, coverage of its calendar, stale and in-flight ranges and latest build (open, like GraphQL's anonymous reads)",
          security: [],
          requestParams: { query: z.object({ name: z.string().optional(), version: z.string().optional() }) },
          responses: { "200": json(catalogBody, "The catalog (one version with name and version)"), ...errors(503) },
        },
      },
      "/api/v1/datasets": { get: { summary: "Every dataset version, with whether it has rows", responses: { "200": json(datasetsBody, "The catalog"), ...errors(401, 503) } } },
      "/api/v1/build/{name}/{version}": {
        post: {
          summary: "Build a dataset version and its dependencies over [start, end]",
          requestParams: {
            path: target,
            query: z.object({
              start: timestamp, end: timestamp,
              "dry-run": flag("Run the builders in a rolled-back transaction and answer the rows they would write"),
              wait: flag("Answer once the build has ended (default true); false answers 202 with the build at once"),
            }),
          },
          responses: {
            "200": { description: "The build ended (exactly {\"status\": \"ok\"}), or the rows of a dry run",
              content: { "application/json": { schema: z.union([statusBody, dryRunBody]) } } },
            "202": json(queuedBody, "wait=false: the build, queued"),
            ...errors(400, 401, 404, 422, 500, 503, 504),
          },
        },
      },
      "/api/v1/data/{name}/{version}": {
        get: {
          summary: "The rows of a dataset version in [start, end], grouped by timestamp",
          requestParams: { path: target, query: dataQuery },
          responses: {
            "200": { description: "Every point of the range is built", content: { "application/json": { schema: dataBody }, "text/csv": { schema: z.string() }, "application/vnd.apache.parquet": { schema: parquetBody } } },
            "206": { description: "build-data=false and some points are not built yet", content: { "application/json": { schema: dataBody }, "text/csv": { schema: z.string() }, "application/vnd.apache.parquet": { schema: parquetBody } } },
            ...errors(400, 401, 404, 422, 500, 503),
          },
        },
        delete: {
          summary: "Delete the rows of [start, end]; dependents are rebuilt later",
          requestParams: { path: target, query: z.object({ start: timestamp, end: timestamp }) },
          responses: { "200": json(deletedBody, "The count and the first and last deleted timestamps"), ...errors(400, 401, 404, 503) },
        },
        post: {
          summary: "Write rows into a dataset fed from outside ([write]), as ds.write: conflict policy, coverage, refresh of dependents, push",
          requestParams: {
            path: target,
            query: z.object({ covers: z.string().optional().meta({ description: "START/END: also declare the calendar points of this range complete", example: "2024-03-01T14:30Z/2024-03-01T21:00Z" }) }),
          },
          requestBody: {
            required: true,
            description: "JSON rows (an array, or {\"rows\": [...]}) or CSV (a header line: ts and the fields, any order; as ds import reads). At most DS_MAX_WRITE_BYTES (16 MiB).",
            content: {
              "application/json": { schema: z.union([z.array(rowObject), z.strictObject({ rows: z.array(rowObject) })]) },
              "text/csv": { schema: z.string().meta({ example: "ts,ticker,price\n2024-03-01T14:30:00Z,AAA,10.5\n" }) },
            },
          },
          responses: { "200": json(writtenBody, "What was written, all in one transaction"), ...errors(400, 401, 404, 409, 413, 415, 422, 503) },
        },
      },
      "/api/v1/stream/{name}/{version}": {
        get: {
          summary: "Server-Sent Events: the new rows of a dataset version, one event per chunk or write that commits rows",
          description: "Each event is `id: <last ts>`, `event: rows`, `data: <PushedRows JSON>`; a comment line every DS_STREAM_HEARTBEAT_MS (15 s). With Last-Event-ID the stream starts with one `catch-up` event holding the rows stored after that ts. Silent (heartbeats only) on a read-only standby or behind a transaction pooler.",
          requestParams: {
            path: target,
            query: z.object({}).catchall(z.string().meta({ description: "A key filter: a key field of the dataset and its value, e.g. ticker=MSFT" })),
            header: z.object({ "last-event-id": z.string().optional().meta({ description: "Resume: the id of the last event received (a ts)" }) }),
          },
          responses: {
            "200": { description: "The event stream, until the client goes", content: { "text/event-stream": { schema: pushedEvent } } },
            ...errors(400, 401, 404, 422, 503),
          },
        },
      },
    },
  });
}
