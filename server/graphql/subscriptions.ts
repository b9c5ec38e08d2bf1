/**
 * Subscriptions over WebSocket (graphql-ws), fed by LISTEN/NOTIFY through the streams of
 * notify-streams.ts (put in the GraphQL context as `dsStreams` by mount.ts):
 * `buildProgress(id)` and `newRows(dataset, version)`, whose `values` and `truncated` carry
 * the rows themselves when selected (read once per event; docs/push.md).
 */
import { access, context, lambda, listen, type Step } from "postgraphile/grafast";
import type { PgResource } from "postgraphile/@dataplan/pg";
import { extendSchema, gql } from "postgraphile/utils";
import type { NewRowsEvent, NotifyStreams } from "./notify-streams.ts";

declare global {
  namespace Grafast {
    interface Context {
      /** "ds_reader" (anonymous or a reader JWT) or "ds_builder" (API key, builder JWT). */
      dsRole?: string;
      dsStreams?: NotifyStreams | null;
    }
  }
}

export const DsSubscriptionsPlugin: GraphileConfig.Plugin = extendSchema((build) => {
  const builds = build.input.pgRegistry.pgResources.builds as PgResource;
  const $streams = () => context().get("dsStreams");
  return {
    typeDefs: gql`
      """A row pushed with a newRows event."""
      type NewRowValue {
        """The row's timestamp."""
        ts: Datetime!
        """The row's fields, as ds.data gives them (numbers as JSON numbers)."""
        data: JSON!
      }
      """Rows of a dataset version that a chunk or a write committed."""
      type NewRows {
        dataset: String!
        version: String!
        """Rows the chunk wrote."""
        rows: Int!
        """First calendar point of the chunk."""
        first: Datetime!
        """Last calendar point of the chunk."""
        last: Datetime!
        """
        The rows themselves (opt-in: selecting values or truncated reads them, once per event): the rows stored in [first, last] when the event is delivered, in ts and key order, at most DS_MAX_PUSH_ROWS (default 1000). For a chunk of a build these are exactly its rows; for a write, the rows from its first to its last written ts (rows of other keys stored between them included).
        """
        values: [NewRowValue!]!
        """True when [first, last] holds more rows than values carries: read the rest with the data query or GET /api/v1/data."""
        truncated: Boolean!
      }
      extend type Subscription {
        """
        The build now, then again on every event of its chunks (planned, started, succeeded, failed, cancelled), until it ends: the last message has the final state (succeeded, failed or cancelled). DS015 for an unknown build.
        """
        buildProgress(id: BigInt!): Build
        """
        One message per chunk or write of the dataset (all its versions unless version is given) that commits new rows, within about a second of its commit, whatever wrote them (a build, ds.write, ds import, POST /api/v1/data, the write mutation); select values to receive the rows themselves. keys ({"ticker": "MSFT"}, key fields compared as text) keeps the rows of those keys: values then holds only matching rows, and an event without one is not sent. DS001 for an unknown dataset, DS029 for keys naming a field that is not a key field. Silent on a read-only standby or behind a transaction pooler (no LISTEN there).
        """
        newRows(dataset: String!, version: String, keys: JSON): NewRows!
      }
    `,
    objects: {
      Subscription: {
        plans: {
          buildProgress: {
            subscribePlan(_$root, fieldArgs) {
              const $subscriber = lambda($streams(), (s) => s?.buildProgress ?? null);
              return listen($subscriber, fieldArgs.getRaw("id") as Step<string>);
            },
            plan($id: Step) {
              return builds.get({ id: $id });
            },
          },
          newRows: {
            subscribePlan(_$root, fieldArgs) {
              const $subscriber = lambda($streams(), (s) => s?.newRows ?? null);
              const $topic = lambda([fieldArgs.getRaw("dataset"), fieldArgs.getRaw("version"), fieldArgs.getRaw("keys")],
                ([d, v, k]) => JSON.stringify([d, v ?? null, k ?? null]));
              return listen($subscriber, $topic);
            },
            plan($event: Step) {
              return $event;
            },
          },
        },
      },
      NewRows: {
        plans: {
          dataset: ($e: Step) => access($e, "dataset"),
          version: ($e: Step) => access($e, "version"),
          rows: ($e: Step) => access($e, "rows"),
          first: ($e: Step) => access($e, "first"),
          last: ($e: Step) => access($e, "last"),
          values: ($e: Step<NewRowsEvent>) => lambda($e, async (e) => (await e.pushed()).rows.map((r) => ({ ts: r.ts, data: JSON.parse(r.data) as unknown }))),
          truncated: ($e: Step<NewRowsEvent>) => lambda($e, async (e) => (await e.pushed()).truncated),
        },
      },
      NewRowValue: {
        plans: {
          ts: ($v: Step) => access($v, "ts"),
          data: ($v: Step) => access($v, "data"),
        },
      },
    },
  };
}, "DsSubscriptionsPlugin");
