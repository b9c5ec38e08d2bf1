// The rows of a range, newest first, a page of timestamps at a time, several rows of one
// timestamp grouped under it (like the original viewer); a click shows the row as JSON.
// Pages are read backwards through GraphQL `data` in time windows: the first window holds
// at most a page of calendar points (granularity × page), and widens fourfold until a page
// of timestamps is found or the range's start is reached, so a page never reads much more
// than it shows.
import { gql } from "./api.js";
import { fmtTime, granularitySeconds, h, showJson } from "./format.js";

export const PAGE = 20;

async function readWindow(d, fromMs, toMs) {
  const { data } = await gql(`query($dataset: String, $version: String, $startAt: Datetime, $endAt: Datetime) {
    data(dataset: $dataset, version: $version, startAt: $startAt, endAt: $endAt) { ts data } }`,
  { dataset: d.name, version: d.version, startAt: new Date(fromMs).toISOString(), endAt: new Date(toMs).toISOString() });
  return data;
}

/** Up to PAGE timestamps at or before endMs (and from fromMs on), newest first, with their rows. */
export async function pageBefore(d, fromMs, endMs) {
  const step = granularitySeconds(d.granularity) * 1000;
  let width = PAGE * step;
  for (;;) {
    const start = Math.max(fromMs, endMs - width);
    const rows = await readWindow(d, start, endMs);
    const groups = new Map();
    for (const r of rows) groups.set(r.ts, [...(groups.get(r.ts) ?? []), r.data]);
    if (groups.size >= PAGE || start <= fromMs) {
      return [...groups].sort((a, b) => Date.parse(b[0]) - Date.parse(a[0])).slice(0, PAGE).map(([ts, data]) => ({ ts, data }));
    }
    width *= 4;
  }
}

/** A table of grouped rows (also used by the dry-run preview). */
export function groupsTable(d, groups) {
  const columns = d.schema.map((f) => f.name);
  return h("table", { class: "rows" },
    h("thead", {}, h("tr", {}, h("th", {}, "timestamp"), ...columns.map((c) => h("th", {}, c)))),
    h("tbody", {}, ...groups.flatMap((g) => g.data.map((row, i) => h("tr", { class: "data-row", onclick: () => showJson({ timestamp: new Date(g.ts).toISOString(), ...row }) },
      i === 0 ? h("td", { class: "ts", rowspan: g.data.length }, fmtTime(g.ts)) : null,
      ...columns.map((c) => h("td", { class: typeof row[c] === "number" ? "num" : "" }, row[c] === null || row[c] === undefined ? "" : typeof row[c] === "object" ? JSON.stringify(row[c]) : String(row[c]))))))));
}

export function createRowsTable(container, d) {
  const body = h("div", { class: "rows-wrap" });
  const status = h("span", { class: "muted page-info" }, "loading…");
  const newer = h("button", { class: "newer", disabled: true }, "← newer");
  const older = h("button", { class: "older", disabled: true }, "older →");
  container.append(h("div", { class: "pager" }, newer, status, older), body);
  let range = { from: 0, to: 0 };
  let stack = []; // end of each page shown so far
  let ticket = 0;

  async function show(endMs) {
    const mine = ++ticket;
    status.textContent = "loading…";
    try {
      const groups = await pageBefore(d, range.from, endMs);
      if (mine !== ticket) return;
      body.replaceChildren(groups.length ? groupsTable(d, groups) : h("p", { class: "muted" }, "no rows in this range"));
      const oldest = groups.at(-1) ? Date.parse(groups.at(-1).ts) : null;
      older.disabled = groups.length < PAGE || oldest - 1 < range.from;
      older.onclick = () => { stack.push(oldest - 1); void show(oldest - 1); };
      newer.disabled = stack.length <= 1;
      newer.onclick = () => { stack.pop(); void show(stack.at(-1)); };
      status.textContent = `page ${stack.length} · ${groups.length} timestamps, newest first${groups.length ? ` · ${fmtTime(groups[0].ts)} → ${fmtTime(groups.at(-1).ts)}` : ""}`;
    } catch (err) {
      status.textContent = `could not read: ${err.code ? `${err.code} ` : ""}${err.message}`;
    }
  }
  return {
    /** Reads the first page again (after a build or a delete). */
    reload() {
      stack = [range.to];
      return show(range.to);
    },
    setRange(fromMs, toMs) {
      if (Math.abs(fromMs - range.from) < 1000 && Math.abs(toMs - range.to) < 1000) return undefined; // the same range: keep the page
      range = { from: fromMs, to: toMs };
      stack = [toMs];
      return show(toMs);
    },
  };
}
