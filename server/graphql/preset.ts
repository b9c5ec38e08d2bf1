/**
 * The PostGraphile preset of datastream's GraphQL API, shared by the server (mount.ts) and
 * the SDL export (print-schema.ts) so that both describe the same schema.
 */
import "./graphile-env.ts";
import type pg from "pg";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService, type PgSubscriber } from "postgraphile/adaptors/pg";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";
import { DsInflectionPlugin } from "./inflection.ts";
import { DsSmartTagsPreset } from "./smart-tags.ts";
import { DsCoveragePreset } from "./coverage.ts";
import { DsMutationsPlugin } from "./mutations.ts";
import { DsSubscriptionsPlugin } from "./subscriptions.ts";
import type { NotifyStreams } from "./notify-streams.ts";

export interface DsPresetOptions {
  /** A pool with pg's default type parsers (PostGraphile parses values itself). */
  pool: pg.Pool;
  /** LISTEN/NOTIFY for subscriptions; null when only printing the schema. */
  pgSubscriber?: PgSubscriber | null;
  /** Filtered streams of build and data events behind the subscription fields. */
  streams?: NotifyStreams | null;
  /** Extra GraphQL context of each request (the role as dsRole). */
  context?: (requestContext: Partial<Grafast.RequestContext>) => Partial<Grafast.Context>;
  /** Postgres settings (the role) of each request. */
  pgSettings?: (requestContext: Partial<Grafast.RequestContext>) => Record<string, string>;
}

/** Comparison operators of `filter` arguments: equality and ranges, nothing fuzzy. */
const FILTER_OPERATORS = [
  "isNull", "equalTo", "notEqualTo", "distinctFrom", "notDistinctFrom",
  "lessThan", "lessThanOrEqualTo", "greaterThan", "greaterThanOrEqualTo", "in", "notIn",
];

export function makeDsPreset(options: DsPresetOptions): GraphileConfig.Preset {
  return {
    extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset, DsSmartTagsPreset, DsCoveragePreset],
    plugins: [DsInflectionPlugin, DsMutationsPlugin, DsSubscriptionsPlugin],
    // no Relay global ids: rows are found by their keys (Query.node, Query.id, Query.query go)
    disablePlugins: ["NodePlugin", "NodeAccessorPlugin", "QueryQueryPlugin"],
    pgServices: [
      makePgService({
        pool: options.pool,
        schemas: ["ds", "ds_data"],
        pubsub: options.pgSubscriber != null,
        pgSubscriber: options.pgSubscriber ?? null,
        pgSettings: options.pgSettings,
      }),
    ],
    schema: {
      // the data is written by builds, never through GraphQL
      defaultBehavior: "-insert -update -delete",
      connectionFilterAllowedOperators: FILTER_OPERATORS,
      connectionFilterArrays: false,
      connectionFilterComputedColumns: false,
      connectionFilterSetofFunctions: false,
      connectionFilterRelations: false,
      connectionFilterAllowNullInput: false,
    },
    grafast: {
      explain: false,
      context: (requestContext) => ({ ...options.context?.(requestContext), dsStreams: options.streams ?? null }),
    },
  };
}
