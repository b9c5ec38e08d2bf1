/**
 * GraphQL names for datastream's schemas.
 *
 * - Catalog views of `ds`: `datasets`, `builds`, `calendars` (connections) and `dataset`,
 *   `build`, `calendar` (one row by its key).
 * - Typed tables of `ds_data`: the dataset name in camel case, then `V` and the version
 *   with underscores kept, so that versions stay distinct: `ds_data.t_root_v0_1_0` is the
 *   type `TRootV0_1_0` and the connection `tRootV0_1_0` (1.10.0 and 11.0.0 never collide).
 * - Typed range reads `ds_data.<table>_rows(start_at, end_at)`: the connection's name and
 *   `Rows`, `tRootV0_1_0Rows(startAt, endAt, first, after)`.
 */
import type { PgCodecWithAttributes, PgResource } from "postgraphile/@dataplan/pg";

type Codec = { name: string; extensions?: { pg?: { schemaName?: string } } | null };

const TABLE_NAME = /^(.*?)_v(\d+_\d+_\d+.*)$/;

function schemaOf(codecOrResource: { extensions?: unknown }): string | undefined {
  return (codecOrResource.extensions as Codec["extensions"])?.pg?.schemaName;
}

/** `t_root_v0_1_0` → `["t_root", "0_1_0"]`, or null for names outside the naming rule. */
function splitTableName(name: string): [string, string] | null {
  const m = TABLE_NAME.exec(name);
  return m ? [m[1]!, m[2]!] : null;
}

function dataTypeName(inflection: GraphileBuild.Inflection, codec: Codec): string | null {
  if (schemaOf(codec) !== "ds_data") return null;
  const parts = splitTableName(codec.name);
  return parts ? `${inflection.upperCamelCase(parts[0])}V${parts[1]}` : null;
}

/** `t_root_v0_1_0_rows` (a typed range read, sql/registry/version_reads.sql) → `tRootV0_1_0Rows`. */
function readFieldName(inflection: GraphileBuild.Inflection, name: string): string | null {
  const parts = name.endsWith("_rows") ? splitTableName(name.slice(0, -"_rows".length)) : null;
  if (!parts) return null;
  const type = `${inflection.upperCamelCase(parts[0])}V${parts[1]}`;
  return `${type[0]!.toLowerCase()}${type.slice(1)}Rows`;
}

function dataFieldName(inflection: GraphileBuild.Inflection, codec: Codec): string | null {
  const type = dataTypeName(inflection, codec);
  return type ? type[0]!.toLowerCase() + type.slice(1) : null;
}

export const DsInflectionPlugin: GraphileConfig.Plugin = {
  name: "DsInflectionPlugin",
  description: "Names for the ds catalog and the ds_data typed tables",
  version: "0.1.0",
  inflection: {
    replace: {
      tableResourceName(previous, _options, details) {
        const { pgClass } = details;
        return pgClass.getNamespace()?.nspname === "ds_data" ? pgClass.relname : previous!(details);
      },
      classCodecName(previous, _options, details) {
        const { pgClass } = details;
        return pgClass.getNamespace()?.nspname === "ds_data" ? pgClass.relname : previous!(details);
      },
      tableType(previous, _options, codec) {
        return dataTypeName(this, codec) ?? previous!(codec);
      },
      allRowsConnection(previous, _options, resource) {
        if (schemaOf(resource) === "ds") return this.camelCase(this.pluralize(resource.name));
        return dataFieldName(this, resource.codec) ?? previous!(resource);
      },
      // upperCamelCase would drop the version's underscores (TRootV0_1_0 → TRootV010)
      conditionType(previous, _options, typeName) {
        return typeName.includes("_") ? `${typeName}Condition` : previous!(typeName);
      },
      orderByType(previous, _options, typeName) {
        return typeName.includes("_") ? `${typeName}OrderBy` : previous!(typeName);
      },
      _attributeName(previous, _options, details) {
        // the catalog views are not Relay nodes: their `id` stays `id`
        return previous!(schemaOf(details.codec) === "ds" ? { ...details, skipRowId: true } : details);
      },
      customQueryField(previous, _options, details) {
        const pgName = (details.resource.extensions as { pg?: { name?: string } } | undefined)?.pg?.name;
        return (schemaOf(details.resource) === "ds_data" && pgName ? readFieldName(this, pgName) : null) ?? previous!(details);
      },
      customQueryListField(previous, _options, details) {
        // ds functions are either lists or connections, never both: no "List" suffix
        return schemaOf(details.resource) === "ds" ? this.customQueryField(details) : previous!(details);
      },
      rowByUnique(previous, _options, details) {
        const { resource, unique } = details as { resource: PgResource; unique: { attributes: readonly string[] } };
        if (schemaOf(resource) === "ds") return this.camelCase(this.singularize(resource.name));
        const field = dataFieldName(this, resource.codec);
        if (!field) return previous!(details);
        return `${field}By${this.upperCamelCase(this._joinAttributeNames(resource.codec as PgCodecWithAttributes, unique.attributes))}`;
      },
    },
  },
};
