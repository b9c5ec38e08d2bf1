/**
 * The mutations: `build`, `cancel`, `delete` and `write`, thin calls of ds.build, ds.cancel,
 * ds.delete and ds.write that return rows people want (the build from ds.builds, what was
 * deleted, what was written).
 * They need the ds_builder role (an API key or a JWT); anonymous requests are refused
 * here with a clear message, and by Postgres's grants underneath.
 */
import { context, sideEffect, SafeError, type FieldArgs, type Step } from "postgraphile/grafast";
import type { PgResource, PgSelectSingleStep, PgSelectStep } from "postgraphile/@dataplan/pg";
import { extendSchema, gql } from "postgraphile/utils";

/** Refuses the mutation unless the request is authorized to build. */
export function requireBuilder(): void {
  sideEffect(context().get("dsRole"), (role) => {
    if (role !== "ds_builder") {
      throw new SafeError("permission denied: build, cancel, delete and write need an API key or a JWT with role ds_builder (Authorization: Bearer ...)", {
        code: "FORBIDDEN",
      });
    }
  });
}

/** Calls a ds function resource with GraphQL arguments named after its parameters. */
function call(resource: PgResource, fieldArgs: FieldArgs, argNames: string[]) {
  const parameters = resource.parameters ?? [];
  const args = argNames.map((argName, i) => ({
    step: fieldArgs.getRaw(argName) as Step,
    pgCodec: parameters[i]!.codec,
    name: parameters[i]!.name ?? undefined,
  }));
  return resource.execute(args, "mutation");
}

export const DsMutationsPlugin: GraphileConfig.Plugin = extendSchema((build) => {
  const { pgResources } = build.input.pgRegistry;
  const [builds, buildFn, cancelFn, deleteFn, writeFn] = ["builds", "build", "cancel", "delete", "write"].map((name) => {
    const resource = pgResources[name];
    if (!resource) throw new Error(`GraphQL: the ${name} resource of schema ds is missing; are the migrations applied?`);
    return resource as PgResource;
  }) as [PgResource, PgResource, PgResource, PgResource, PgResource];
  const rangeArgs = ["dataset", "version", "startAt", "endAt"];
  return {
    typeDefs: gql`
      """What a delete removed."""
      type DeleteResult {
        """Number of rows deleted."""
        deleted: BigInt!
        """First deleted timestamp (null when nothing was deleted)."""
        firstTs: Datetime
        """Last deleted timestamp."""
        lastTs: Datetime
      }
      """What a write stored."""
      type WriteResult {
        """Rows inserted or changed (an identical row is not rewritten)."""
        written: BigInt!
        """First written timestamp (null when nothing was written)."""
        firstTs: Datetime
        """Last written timestamp."""
        lastTs: Datetime
      }
      extend type Mutation {
        """
        Builds a dataset version over [startAt, endAt] (inclusive) and everything it depends on, and returns the build at once (state queued, running or already succeeded). Only points that are neither built nor in flight become work; follow it with the buildProgress subscription or the build query. Errors: DS001 unknown dataset, DS012 bad range, DS013 no calendar points. Needs an API key or a ds_builder JWT.
        """
        build(dataset: String!, version: String!, startAt: Datetime!, endAt: Datetime!): Build!
        """
        Cancels a build: its chunks that have not started and that no other build waits for are dropped; running chunks finish (all or nothing). Returns the build with its new state. DS015 for an unknown build. Needs an API key or a ds_builder JWT.
        """
        cancel(id: BigInt!): Build!
        """
        Deletes the rows of a dataset version in [startAt, endAt] (inclusive) and its coverage there; dependents' coverage over the points that read them is invalidated. DS001 unknown dataset, DS012 bad range. Needs an API key or a ds_builder JWT.
        """
        delete(dataset: String!, version: String!, startAt: Datetime!, endAt: Datetime!): DeleteResult!
        """
        Writes rows into a dataset fed from outside ([write] in config.toml), exactly as ds.write: rows is a JSON array of objects {"ts": ..., field: value} with every field of the schema; the dataset's conflict policy, coverage, the invalidation and refresh of dependents in one transaction, and newRows subscribers are told. DS017 names the first bad row (nothing is written), DS027 a row that exists (conflict = reject), DS028 a built dataset, DS001 an unknown one. The body is bounded by DS_MAX_BODY_BYTES: send large writes to POST /api/v1/data. Needs an API key or a ds_builder JWT.
        """
        write(dataset: String!, version: String!, rows: JSON!): WriteResult!
      }
    `,
    objects: {
      Mutation: {
        plans: {
          build(_$root, fieldArgs) {
            requireBuilder();
            const $call = call(buildFn, fieldArgs, rangeArgs) as PgSelectSingleStep;
            return builds.get({ id: $call });
          },
          cancel(_$root, fieldArgs) {
            requireBuilder();
            call(cancelFn, fieldArgs, ["id"]);
            return builds.get({ id: fieldArgs.getRaw("id") as Step });
          },
          delete(_$root, fieldArgs) {
            requireBuilder();
            return (call(deleteFn, fieldArgs, rangeArgs) as PgSelectStep).single();
          },
          write(_$root, fieldArgs) {
            requireBuilder();
            return (call(writeFn, fieldArgs, ["dataset", "version", "rows"]) as PgSelectStep).single();
          },
        },
      },
      WriteResult: {
        plans: {
          written: ($r: PgSelectSingleStep) => $r.get("written"),
          firstTs: ($r: PgSelectSingleStep) => $r.get("first_ts"),
          lastTs: ($r: PgSelectSingleStep) => $r.get("last_ts"),
        },
      },
      DeleteResult: {
        plans: {
          deleted: ($r: PgSelectSingleStep) => $r.get("deleted"),
          firstTs: ($r: PgSelectSingleStep) => $r.get("first_ts"),
          lastTs: ($r: PgSelectSingleStep) => $r.get("last_ts"),
        },
      },
    },
  };
}, "DsMutationsPlugin");
