// The coverage timeline of a dataset version over a chosen range: built (coverage), missing
// (ds.missing: calendar points not built), stale (built but outdated for some keys) and
// being built (chunks in flight), drawn as SVG bands.
import { gql } from "./api.js";
import { fmtInt, fmtTime, h, s } from "./format.js";

const W = 1000;

export async function renderTimeline(container, d, fromMs, toMs) {
  const { dataset, missing } = await gql(`query($name: String!, $version: String!, $startAt: Datetime, $endAt: Datetime) {
    dataset(name: $name, version: $version) { coverage { start end } }
    missing(dataset: $name, version: $version, startAt: $startAt, endAt: $endAt, first: 5000) { totalCount nodes { start { value } end { value } } } }`,
  { name: d.name, version: d.version, startAt: new Date(fromMs).toISOString(), endAt: new Date(toMs).toISOString() });
  const x = (t) => Math.max(0, Math.min(W, ((Date.parse(t) - fromMs) / (toMs - fromMs)) * W));
  const band = (cls, ranges, y, hgt, label) => ranges.map((r) => {
    const a = x(r.start);
    const b = x(r.end);
    return b > a || (b === a && Date.parse(r.end) >= fromMs && Date.parse(r.start) <= toMs)
      ? s("rect", { class: cls, x: a, y, width: Math.max(1.5, b - a), height: hgt }, s("title", {}, `${label}: ${fmtTime(r.start)} → ${fmtTime(r.end)}`))
      : null;
  });
  const short = toMs - fromMs < 4 * 86400_000; // ticks with times
  const missingRanges = missing.nodes.map((n) => ({ start: n.start.value, end: n.end.value }));
  const svg = s("svg", { class: "timeline", viewBox: `0 0 ${W} 58`, preserveAspectRatio: "none", role: "img", "aria-label": "coverage timeline" },
    s("rect", { class: "tl-bg", x: 0, y: 4, width: W, height: 30 }),
    band("tl-missing", missingRanges, 4, 30, "missing"),
    band("tl-built", dataset.coverage, 4, 30, "built"),
    band("tl-stale", d.stale ?? [], 4, 30, "stale"),
    band("tl-building", d.building ?? [], 36, 8, "being built"),
    ...[0, 0.25, 0.5, 0.75, 1].map((f) => s("text", { x: f * W, y: 56, "text-anchor": f === 0 ? "start" : f === 1 ? "end" : "middle", class: "tl-tick" },
      short ? fmtTime(fromMs + f * (toMs - fromMs)) : fmtTime(fromMs + f * (toMs - fromMs)).slice(0, 10))));
  const legend = h("div", { class: "legend" },
    h("span", { class: "sw built" }), ` built (${fmtInt(d.built_points)} of ${fmtInt(d.points)} points overall) `,
    h("span", { class: "sw missing" }), ` missing (${fmtInt(missing.totalCount)} ranges here) `,
    h("span", { class: "sw stale" }), ` stale (${(d.stale ?? []).length}) `,
    h("span", { class: "sw building" }), ` being built (${(d.building ?? []).length})`);
  container.replaceChildren(svg, legend);
  return { missing: missing.totalCount };
}
