/**
 * `Dataset.coverage`: the built ranges of a dataset version. The view's column is a
 * tstzmultirange, which PostGraphile has no codec for; it is exposed as a list of
 * half-open ranges [start, end). The column itself gets an opaque codec (so that
 * introspection does not warn about it) and is hidden by smart-tags.ts.
 */
import { access, type Step } from "postgraphile/grafast";
import { TYPES, type PgSelectSingleStep } from "postgraphile/@dataplan/pg";
import { sql } from "postgraphile/pg-sql2";
import { extendSchema, gql } from "postgraphile/utils";

/** tstzmultirange read as text; only there so that the hidden column has a codec. */
const multirangeCodec = { ...TYPES.text, name: "tstzmultirange", sqlType: sql.identifier("pg_catalog", "tstzmultirange") };

const MultirangeCodecPlugin: GraphileConfig.Plugin = {
  name: "DsMultirangeCodecPlugin",
  version: "0.1.0",
  gather: {
    hooks: {
      async pgCodecs_findPgCodec(_info, event) {
        if (!event.pgCodec && event.pgType.typname === "tstzmultirange") event.pgCodec = multirangeCodec;
      },
    },
  },
  schema: {
    hooks: {
      init(_, build) {
        build.setGraphQLTypeForPgCodec(multirangeCodec, ["input", "output"], "String");
        return _;
      },
    },
  },
};

const CoverageFieldPlugin = extendSchema({
  typeDefs: gql`
    """A half-open range of instants: from start (included) to end (excluded)."""
    type TimeRange {
      start: Datetime!
      end: Datetime!
    }
    extend type Dataset {
      """What is built (built-empty points included), as slot ranges merged over closed time, ascending; the query field missing gives the gaps."""
      coverage: [TimeRange!]!
    }
  `,
  objects: {
    Dataset: {
      plans: {
        coverage($row: PgSelectSingleStep) {
          const alias = $row.getClassStep().alias;
          return $row.select(
            sql`(select coalesce(json_agg(json_build_object('start', lower(r), 'end', upper(r)) order by r), '[]'::json)
                 from unnest(${alias}.coverage) r)`,
            TYPES.json,
            true,
          );
        },
      },
    },
    TimeRange: {
      plans: {
        start: ($range: Step) => access($range, "start"),
        end: ($range: Step) => access($range, "end"),
      },
    },
  },
}, "DsCoverageFieldPlugin");

export const DsCoveragePreset: GraphileConfig.Preset = { plugins: [MultirangeCodecPlugin, CoverageFieldPlugin] };
