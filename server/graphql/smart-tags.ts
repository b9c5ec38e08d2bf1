/**
 * Smart tags added at introspection time, for what COMMENT ON cannot say: how the catalog
 * views and the generated `ds_data` relations become GraphQL. What of `ds` GraphQL shows is
 * decided by the SQL comments alone (`@behavior -*` hides; ds.data's comment makes it a
 * query field returning a list).
 *
 * - The catalog views get unique keys, non-null columns (row lookups `dataset(name, version)`,
 *   `build(id)`, `calendar(name)`) and builds a link to their dataset version.
 * - `ds_data` views (newest version of each dataset) are hidden: the typed tables are the
 *   connections, so each dataset version has one stable type.
 */
import { pgSmartTags, type PgSmartTagRule } from "postgraphile/utils";

/** View columns that are never null (views carry no NOT NULL; clients' types should). */
const notNull: Record<string, string[]> = {
  datasets: ["name", "version", "calendar", "granularity", "start_at", "schema", "key", "tags", "table_name", "view_name",
    "dependencies", "builder", "chunk", "max_attempts", "env_vars", "is_newest", "registered_at", "built_ranges", "refresh_on_write", "per_key"],
  builds: ["id", "dataset", "version", "start_at", "end_at", "state", "progress", "tasks", "tasks_succeeded", "tasks_failed",
    "points", "points_built", "rows_written", "created_at"],
  calendars: ["name", "kind", "span_start", "span_end", "sessions", "registered_at"],
};

const rules: PgSmartTagRule[] = [
  ...Object.entries(notNull).flatMap(([view, columns]) =>
    columns.map((column): PgSmartTagRule => ({ kind: "attribute", match: `ds.${view}.${column}`, tags: { notNull: true } }))),
  { kind: "class", match: "ds.datasets", tags: { unique: "name,version" } },
  { kind: "class", match: "ds.calendars", tags: { unique: "name" } },
  {
    kind: "class",
    match: "ds.builds",
    tags: {
      unique: "id",
      foreignKey: "(dataset, version) references ds.datasets (name, version)|@fieldName datasetVersion|@foreignFieldName builds",
    },
  },
];

const CatalogTagsPlugin = pgSmartTags(rules, null, {
  name: "DsCatalogTagsPlugin",
  description: "datastream's smart tags for the ds schema",
  version: "0.1.0",
});

/** ds_data: views hidden, tables without Relay node ids (rows are found by (ts, key...)). */
const DataTagsPlugin: GraphileConfig.Plugin = {
  name: "DsDataTagsPlugin",
  version: "0.1.0",
  before: ["smart-tags"],
  gather: {
    hooks: {
      pgIntrospection_introspection(_info, event) {
        for (const rel of event.introspection.classes) {
          if (rel.getNamespace()?.nspname !== "ds_data") continue;
          // getTagsAndDescription() memoizes its result: changing it changes the tags
          const { tags } = rel.getTagsAndDescription();
          if (rel.relkind === "v") Object.assign(tags, { behavior: "-*" });
          // typed tables are partitioned ("p"; plain "r" before migration 000024)
          if (rel.relkind === "r" || rel.relkind === "p") Object.assign(tags, { behavior: "-node" });
          if (rel.relkind === "p") keepIndexedFilters(rel);
        }
      },
    },
  },
};

type IntrospectionClass = Parameters<NonNullable<GraphileConfig.GatherHooks["pgIntrospection_introspection"]>>[0]["introspection"]["classes"][number];

/**
 * PostGraphile gives a partitioned table no indexes (its PgIndexBehaviorsPlugin looks at
 * plain tables only), so every column would become filterable and orderable: the columns
 * that no index of the table has get `-filterBy -orderBy`, as on a plain table.
 */
function keepIndexedFilters(rel: IntrospectionClass): void {
  const indexed = new Set(rel.getIndexes().filter((i) => !i.indpred).flatMap((i) => i.getKeys().map((k) => k?.attname)));
  for (const att of rel.getAttributes()) {
    if (att.attnum < 1 || indexed.has(att.attname)) continue;
    const { tags } = att.getTagsAndDescription();
    const behavior = tags.behavior;
    tags.behavior = [...(Array.isArray(behavior) ? behavior : behavior ? [String(behavior)] : []), "-filterBy -orderBy"];
  }
}

export const DsSmartTagsPreset: GraphileConfig.Preset = { plugins: [CatalogTagsPlugin, DataTagsPlugin] };
