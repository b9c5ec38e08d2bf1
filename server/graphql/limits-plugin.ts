/**
 * The per-operation limits of the GraphQL API, through PostGraphile's own extension
 * points: a Grafast middleware (`execute` and `subscribe`) checks each operation with its
 * variables before it is planned (operation-limits.ts) and answers a DS034 error instead,
 * and a schema hook gives every connection read without first/last a page of maxFirst rows.
 * The request body size and the anonymous statement timeout are set by mount.ts.
 */
import { ConnectionStep, constant } from "postgraphile/grafast";
import type { ExecutionArgs, ExecutionResult } from "postgraphile/graphql";
import { checkOperation, type OperationLimits } from "./operation-limits.ts";

function refusal(args: ExecutionArgs, limits: OperationLimits): ExecutionResult | null {
  const error = checkOperation(args.schema, args.document, args.operationName, args.variableValues as Record<string, unknown> | undefined, limits);
  return error ? { errors: [error] } : null;
}

export function makeLimitsPlugin(limits: OperationLimits): GraphileConfig.Plugin {
  return {
    name: "DsLimitsPlugin",
    version: "0.1.0",
    description: "Caps first/last, aliases, depth and cost of each operation (DS034)",
    grafast: {
      middleware: {
        execute(next, event) {
          return refusal(event.args, limits) ?? next();
        },
        subscribe(next, event) {
          return refusal(event.args, limits) ?? next();
        },
      },
    },
    schema: {
      hooks: {
        GraphQLObjectType_fields_field(field, _build, context) {
          const plan = field.plan;
          if (!context.scope.isPgFieldConnection || !plan) return field;
          return {
            ...field,
            plan(...planArgs: Parameters<typeof plan>) {
              const $result = plan.apply(this, planArgs);
              if ($result instanceof ConnectionStep) {
                // apply first/last/filter/... now (not after the plan) to see whether a page size was given
                planArgs[1].autoApply($result);
                if (!$result.getFirst() && !$result.getLast()) $result.setFirst(constant(limits.maxFirst));
              }
              return $result;
            },
          };
        },
      },
    },
  };
}
