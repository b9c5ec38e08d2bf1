/**
 * Smart tags added at introspection time, for what COMMENT ON cannot say: how the catalog
 * views and the generated `ds_data` relations become GraphQL. What of `ds` GraphQL shows is
 * decided by the SQL comments alone (`@behavior -*` hides; ds.data's comment makes it a
 * query field returning a list).
 *
 * - The catalog views get unique keys, non-null columns (row lookups `dataset(name, version)`,
 *   `build(id)`, `calendar(name)`) and builds a link to their dataset version.
 * - `ds_data` views of the newest version of each dataset are hidden: the typed views of each
 *   version (over its store and packed partitions) are the connections, so each dataset
 *   version has one stable type.
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

/**
 * ds_data: each version's typed table is a view over its store and packed partitions
 * (docs/storage.md): it gets the store's primary key, NOT NULLs and indexed filters, so that
 * it is the connection of the version as the table was; the dataset views (newest version)
 * are hidden. No Relay node ids (rows are found by (ts, key...)).
 */
const DataTagsPlugin: GraphileConfig.Plugin = {
  name: "DsDataTagsPlugin",
  version: "0.1.0",
  before: ["smart-tags"],
  gather: {
    hooks: {
      pgIntrospection_introspection(_info, event) {
        const stores = new Map(event.introspection.classes.filter((c) => c.getNamespace()?.nspname === "ds_store").map((c) => [c.relname, c]));
        for (const rel of event.introspection.classes) {
          if (rel.getNamespace()?.nspname !== "ds_data") continue;
          // getTagsAndDescription() memoizes its result: changing it changes the tags
          const { tags } = rel.getTagsAndDescription();
          const store = rel.relkind === "v" ? stores.get(rel.relname) : undefined;
          if (store) tagTypedView(rel, store);
          else if (rel.relkind === "v") Object.assign(tags, { behavior: "-*" });
          // typed tables before migration 000032 (partitioned "p"; plain "r" before 000024)
          if (rel.relkind === "r" || rel.relkind === "p") Object.assign(tags, { behavior: "-node" });
          if (rel.relkind === "p") keepIndexedFilters(rel, rel);
        }
      },
    },
  },
};

type IntrospectionClass = Parameters<NonNullable<GraphileConfig.GatherHooks["pgIntrospection_introspection"]>>[0]["introspection"]["classes"][number];

/** A version's typed view takes its store's primary key, NOT NULLs and indexed filters. */
function tagTypedView(view: IntrospectionClass, store: IntrospectionClass): void {
  const { tags } = view.getTagsAndDescription();
  const pk = store.getConstraints().find((c) => c.contype === "p");
  const keys = pk?.getAttributes()?.map((a) => a.attname) ?? [];
  Object.assign(tags, { behavior: "-node", ...(keys.length ? { primaryKey: keys.join(",") } : {}) });
  const notNull = new Set(store.getAttributes().filter((a) => a.attnum > 0 && a.attnotnull).map((a) => a.attname));
  for (const att of view.getAttributes()) {
    if (notNull.has(att.attname)) att.getTagsAndDescription().tags.notNull = true;
  }
  keepIndexedFilters(view, store);
}

/**
 * PostGraphile gives a partitioned table or a view no indexes (its PgIndexBehaviorsPlugin
 * looks at plain tables only), so every column would become filterable and orderable: the
 * columns of `rel` that no index of `indexed` (its store) has get `-filterBy -orderBy`, as on
 * a plain table.
 */
function keepIndexedFilters(rel: IntrospectionClass, indexedRel: IntrospectionClass): void {
  const indexed = new Set(indexedRel.getIndexes().filter((i) => !i.indpred).flatMap((i) => i.getKeys().map((k) => k?.attname)));
  for (const att of rel.getAttributes()) {
    if (att.attnum < 1 || indexed.has(att.attname)) continue;
    const { tags } = att.getTagsAndDescription();
    const behavior = tags.behavior;
    tags.behavior = [...(Array.isArray(behavior) ? behavior : behavior ? [String(behavior)] : []), "-filterBy -orderBy"];
  }
}

export const DsSmartTagsPreset: GraphileConfig.Preset = { plugins: [CatalogTagsPlugin, DataTagsPlugin] };
