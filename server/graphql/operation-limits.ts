/**
 * The limits of one GraphQL operation, checked with its variables before it is planned:
 * aliases, depth, first/last of every connection, and a cost. An operation over a limit
 * gets one error with `extensions.code = "DS034"` and nothing runs.
 *
 * - aliases: aliased fields, counted once per use (a fragment spread twice counts twice);
 * - depth: the nesting of selections (`{ a { b } }` is 2); introspection (`__schema`,
 *   `__type`) is neither counted nor costed;
 * - first/last: at most `maxFirst`, and never null, on every field that has them; a
 *   connection without either is read one page of `maxFirst` rows (limits-plugin.ts);
 * - cost: the rows the operation can fetch — each connection counts its page size (first,
 *   last, else maxFirst) times the rows of the connections around it.
 *
 * Written by hand (about 100 lines) rather than taken from graphql-armor or
 * graphql-query-complexity: those run as validation rules, which never see variables, so
 * `first: $n` would escape them; here one walk sees the variables' values.
 */
import {
  getNamedType, getVariableValues, GraphQLError, isObjectType, isInterfaceType, Kind, valueFromAST,
  type DocumentNode, type FragmentDefinitionNode, type GraphQLField, type GraphQLNamedType, type GraphQLSchema,
  type OperationDefinitionNode, type SelectionSetNode, type GraphQLInputType,
} from "postgraphile/graphql";
import type { RequestLimits } from "../request-limits.ts";

export type OperationLimits = Pick<RequestLimits, "maxFirst" | "maxAliases" | "maxDepth" | "maxCost">;

export function limitError(message: string, limit: string, max: number, hint: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "DS034", limit, max, hint } });
}

class OverLimit extends Error {
  readonly error: GraphQLError;
  constructor(error: GraphQLError) {
    super(error.message);
    this.error = error;
  }
}

/** A connection or a list with first/last arguments: it reads pages of rows. */
function isPaged(field: GraphQLField<unknown, unknown>): boolean {
  return field.args.some((a) => a.name === "first" || a.name === "last");
}

/** The error of the first limit the operation is over, or null (also when it is invalid: execution reports that). */
export function checkOperation(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined,
  rawVariables: Record<string, unknown> | null | undefined, limits: OperationLimits): GraphQLError | null {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation) return null;
  const root = schema.getRootType(operation.operation);
  if (!root) return null;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (coerced.errors) return null;
  const variables = coerced.coerced;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  let aliases = 0;
  let cost = 0;

  const walk = (set: SelectionSetNode, type: GraphQLNamedType, depth: number, rows: number): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD || selection.kind === Kind.INLINE_FRAGMENT) {
        const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
        if (!fragment) continue;
        const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : type;
        walk(fragment.selectionSet, condition ?? type, depth, rows);
        continue;
      }
      const name = selection.name.value;
      if (name.startsWith("__")) continue;
      if (selection.alias && ++aliases > limits.maxAliases) {
        throw new OverLimit(limitError(`the operation has more than ${limits.maxAliases} aliases, the limit`, "maxAliases", limits.maxAliases,
          "Use fewer aliased fields per operation, or send several operations."));
      }
      if (depth + 1 > limits.maxDepth) {
        throw new OverLimit(limitError(`the operation is nested deeper than ${limits.maxDepth} levels, the limit`, "maxDepth", limits.maxDepth,
          "Select less deeply nested fields."));
      }
      const field = isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;
      if (!field) continue;
      let inner = rows;
      if (isPaged(field)) {
        let page = limits.maxFirst;
        for (const argName of ["first", "last"]) {
          const node = selection.arguments?.find((a) => a.name.value === argName);
          const arg = field.args.find((a) => a.name === argName);
          if (!node || !arg) continue;
          const value = valueFromAST(node.value, arg.type as GraphQLInputType, variables) as number | null | undefined;
          if (value === undefined) continue; // a variable that was not given: the argument is absent
          if (value === null || value > limits.maxFirst) {
            throw new OverLimit(limitError(`${argName} of ${name} is ${value ?? "null"}: at most ${limits.maxFirst} rows per page`, "maxFirst", limits.maxFirst,
              `Give ${argName} a number up to ${limits.maxFirst} and page with after/before cursors.`));
          }
          page = Math.min(page, Math.max(0, value));
        }
        inner = rows * page;
        cost += inner;
        if (cost > limits.maxCost) {
          throw new OverLimit(limitError(`the operation can fetch more than ${limits.maxCost} rows, the limit (each connection counts first/last, else ${limits.maxFirst}, times the rows around it)`,
            "maxCost", limits.maxCost, "Ask for smaller pages (first/last), fewer connections, or nest fewer connections inside each other."));
        }
      }
      if (selection.selectionSet) walk(selection.selectionSet, getNamedType(field.type), depth + 1, inner);
    }
  };

  try {
    walk(operation.selectionSet, root, 0, 1);
  } catch (err) {
    if (err instanceof OverLimit) return err.error;
    throw err;
  }
  return null;
}
