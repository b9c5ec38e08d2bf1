/**
 * Subscriptions over WebSocket (graphql-ws), fed by LISTEN/NOTIFY through the streams of
 * notify-streams.ts (put in the GraphQL context as `dsStreams` by mount.ts):
 * `buildProgress(id)` and `newRows(dataset, version)`.
 */
import { access, context, lambda, listen, type Step } from "postgraphile/grafast";
import type { PgResource } from "postgraphile/@dataplan/pg";
import { extendSchema, gql } from "postgraphile/utils";
import type { NotifyStreams } from "./notify-streams.ts";

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
      """Rows of a dataset version that a chunk committed."""
      type NewRows {
        dataset: String!
        version: String!
        """Rows the chunk wrote."""
        rows: Int!
        """First calendar point of the chunk."""
        first: Datetime!
        """Last calendar point of the chunk."""
        last: Datetime!
      }
      extend type Subscription {
        """
        The build now, then again on every event of its chunks (planned, started, succeeded, failed, cancelled), until it ends: the last message has the final state (succeeded, failed or cancelled). DS015 for an unknown build.
        """
        buildProgress(id: BigInt!): Build
        """
        One message per chunk of the dataset (all its versions unless version is given) that commits new rows. DS001 for an unknown dataset.
        """
        newRows(dataset: String!, version: String): NewRows!
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
              const $topic = lambda([fieldArgs.getRaw("dataset"), fieldArgs.getRaw("version")], ([d, v]) => JSON.stringify([d, v ?? null]));
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
        },
      },
    },
  };
}, "DsSubscriptionsPlugin");
