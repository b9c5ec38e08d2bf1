// The dependency graph of a dataset version as an SVG picture: what it reads (its whole
// upstream closure, leftwards by depth) and what reads it (rightwards), each node with its
// coverage bar. Laid out by hand in columns: a few nodes need no graph layout library.
import { fmtPct, s } from "./format.js";

const NODE_W = 190;
const NODE_H = 46;
const GAP_X = 70;
const GAP_Y = 16;

export function renderDepGraph(container, d, all) {
  const id = (n) => `${n.name}@${n.version}`;
  const byId = new Map(all.map((n) => [id(n), n]));
  // depth: 0 for d, 1.. upstream (longest path), -1 for direct dependents
  const depth = new Map([[id(d), 0]]);
  const edges = [];
  const visit = (n, k) => {
    for (const dep of n.dependencies) {
      const key = `${dep.name}@${dep.version}`;
      edges.push([key, id(n)]);
      if ((depth.get(key) ?? -Infinity) < k + 1) depth.set(key, k + 1);
      const next = byId.get(key);
      if (next) visit(next, k + 1);
    }
  };
  visit(d, 0);
  for (const n of all) {
    if (n.dependencies.some((dep) => dep.name === d.name && dep.version === d.version)) {
      if (!depth.has(id(n))) depth.set(id(n), -1);
      edges.push([id(d), id(n)]);
    }
  }
  const maxDepth = Math.max(...depth.values());
  const minDepth = Math.min(...depth.values());
  const columns = new Map();
  for (const [key, k] of depth) columns.set(k, [...(columns.get(k) ?? []), key]);
  const pos = new Map();
  for (const [k, keys] of columns) keys.sort().forEach((key, i) => pos.set(key, { x: (maxDepth - k) * (NODE_W + GAP_X), y: i * (NODE_H + GAP_Y) }));
  const width = (maxDepth - minDepth + 1) * (NODE_W + GAP_X) - GAP_X;
  const height = Math.max(...[...columns.values()].map((c) => c.length)) * (NODE_H + GAP_Y) - GAP_Y;
  const svg = s("svg", { class: "dep-graph", viewBox: `-2 -2 ${width + 4} ${height + 4}`, width: width + 4, height: height + 4, role: "img", "aria-label": "dependency graph" },
    s("defs", {}, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" }, s("path", { d: "M0,0 L10,5 L0,10 z", class: "edge-head" }))),
    ...[...new Set(edges.map((e) => e.join(">")))].map((e) => {
      const [a, b] = e.split(">");
      const p = pos.get(a);
      const q = pos.get(b);
      const x1 = p.x + NODE_W, y1 = p.y + NODE_H / 2, x2 = q.x, y2 = q.y + NODE_H / 2;
      return s("path", { class: "edge", d: `M${x1},${y1} C${x1 + GAP_X / 2},${y1} ${x2 - GAP_X / 2},${y2} ${x2},${y2}`, "marker-end": "url(#arrow)" });
    }),
    ...[...pos].map(([key, p]) => {
      const n = byId.get(key);
      const cov = n?.coverage ?? 0;
      const [name, version] = key.split("@");
      const link = s("a", { href: `#/d/${encodeURIComponent(name)}/${encodeURIComponent(version)}` },
        s("rect", { class: `node ${key === id(d) ? "self" : ""}`, x: p.x, y: p.y, width: NODE_W, height: NODE_H, rx: 6 }),
        s("text", { x: p.x + 8, y: p.y + 17, class: "node-name" }, `${name} ${version}`),
        s("rect", { class: "node-cov-bg", x: p.x + 8, y: p.y + 27, width: NODE_W - 60, height: 8, rx: 2 }),
        s("rect", { class: "node-cov", x: p.x + 8, y: p.y + 27, width: (NODE_W - 60) * cov, height: 8, rx: 2 }),
        s("text", { x: p.x + NODE_W - 8, y: p.y + 35, "text-anchor": "end", class: "node-pct" }, fmtPct(cov)));
      return s("g", { class: "graph-node", "data-node": key }, link);
    }));
  container.replaceChildren(svg);
}
