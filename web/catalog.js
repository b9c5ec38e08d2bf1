// The catalog: every dataset version with its kind, rows, coverage bar against its
// calendar and latest build; search by name and tag (tags are clickable filters).
import { catalog, gql } from "./api.js";
import { errorBox, fmtInt, fmtPct, fmtTime, h } from "./format.js";

/** Tags as "key=value" strings (arrays give one per element). */
function tagList(tags) {
  return Object.entries(tags ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}=${x}`) : [`${k}=${v}`]));
}

/** A bar of the built ranges between the start date and now, with the built fraction. */
export function coverageBar(d) {
  const from = new Date(d.start).getTime();
  const to = Math.max(Date.now(), d.last_built ? new Date(d.last_built).getTime() : 0);
  const bar = h("div", { class: "cov-bar", title: `${fmtInt(d.built_points)} of ${fmtInt(d.points)} calendar points built` });
  for (const r of d.coverage_ranges ?? []) {
    const a = (new Date(r.start).getTime() - from) / (to - from);
    const b = (new Date(r.end).getTime() - from) / (to - from);
    bar.append(h("span", { class: "cov-built", style: { left: `${a * 100}%`, width: `${Math.max(0.4, (b - a) * 100)}%` } }));
  }
  return h("div", { class: "cov" }, bar, h("span", { class: "cov-pct" }, fmtPct(d.coverage)));
}

function buildCell(b) {
  if (!b) return h("span", { class: "muted" }, "never built");
  const pct = b.state === "running" || b.state === "queued" ? ` ${Math.round(b.progress * 100)}%` : "";
  return h("span", { class: `state ${b.state}`, title: `build ${b.id}, ${fmtTime(b.created_at)}` }, `${b.state}${pct}`, b.error_code ? ` ${b.error_code}` : "");
}

export async function renderCatalog(main) {
  const search = h("input", { type: "search", id: "search", placeholder: "Search by name, description or tag (asset=equity)", "aria-label": "Search" });
  const tagBox = h("div", { class: "tags-filter" });
  const body = h("tbody");
  const count = h("span", { class: "muted" });
  main.append(h("section", {}, h("h1", {}, "Datasets ", count), h("div", { class: "toolbar" }, search, tagBox),
    h("table", { class: "catalog" },
      h("thead", {}, h("tr", {}, ...["Dataset", "Version", "Kind", "Calendar", "Granularity", "Rows", "Coverage", "Latest build", "Tags"].map((t) => h("th", {}, t)))),
      body)));
  let datasets;
  try {
    datasets = await catalog();
  } catch (err) {
    main.append(errorBox(err));
    return;
  }
  // the built ranges for the bars: one GraphQL read of ds.datasets' coverage
  const cov = await gql("{ datasets(first: 10000) { nodes { name version coverage { start end } } } }").catch(() => null);
  for (const d of datasets) d.coverage_ranges = cov?.datasets.nodes.find((n) => n.name === d.name && n.version === d.version)?.coverage ?? [];

  const active = new Set();
  const allTags = [...new Set(datasets.flatMap((d) => tagList(d.tags)))].sort();
  for (const t of allTags) {
    tagBox.append(h("button", { class: "tag", "data-tag": t, onclick: (e) => {
      if (active.has(t)) active.delete(t); else active.add(t);
      e.currentTarget.classList.toggle("on", active.has(t));
      draw();
    } }, t));
  }
  function draw() {
    const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const shown = datasets.filter((d) => {
      const tags = tagList(d.tags);
      const text = `${d.name} ${d.version} ${d.description ?? ""} ${tags.join(" ")}`.toLowerCase();
      return words.every((w) => text.includes(w)) && [...active].every((t) => tags.includes(t));
    });
    count.textContent = `${shown.length} of ${datasets.length} versions`;
    body.replaceChildren(...shown.map((d) => h("tr", { class: "dataset-row", "data-name": d.name, "data-version": d.version },
      h("td", {}, h("a", { href: `#/d/${encodeURIComponent(d.name)}/${encodeURIComponent(d.version)}` }, d.name),
        h("div", { class: "desc" }, d.description ?? "")),
      h("td", {}, d.version, d.is_newest ? "" : h("span", { class: "muted" }, " (older)")),
      h("td", {}, h("span", { class: `kind ${d.kind}` }, d.kind)),
      h("td", {}, d.calendar),
      h("td", {}, d.granularity),
      h("td", { class: "num rows" }, `${d.rows_estimated ? "≈" : ""}${fmtInt(d.rows)}`),
      h("td", {}, coverageBar(d)),
      h("td", {}, buildCell(d.latest_build)),
      h("td", {}, ...tagList(d.tags).map((t) => h("span", { class: "tag small" }, t))))));
  }
  search.addEventListener("input", draw);
  draw();
}
