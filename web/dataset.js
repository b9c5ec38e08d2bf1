// The page of one dataset version: what it is, its coverage timeline over a chosen range,
// a chart with a key selector, the rows newest first, its dependency graph, download links
// for the visible range, the build panel and its builds.
import { apiKey, catalog, gql } from "./api.js";
import { createBuildPanel } from "./build-panel.js";
import { createBuildsList } from "./builds.js";
import { coverageBar } from "./catalog.js";
import { createDataChart, density, MAX_POINTS } from "./chart.js";
import { renderDepGraph } from "./dep-graph.js";
import { errorBox, fmtInt, fmtTime, fromInput, granularitySeconds, h, toInput } from "./format.js";
import { createRowsTable } from "./rows-table.js";
import { renderTimeline } from "./timeline.js";

/** The key values present at the last built point: {ticker: "SPY"}, ... (str key fields). */
async function keyValues(d) {
  const strKeys = d.key.filter((k) => d.schema.find((f) => f.name === k)?.type === "str");
  if (!strKeys.length || !d.last_built) return { fields: strKeys, values: [] };
  const { data } = await gql(`query($dataset: String, $version: String, $at: Datetime) { data(dataset: $dataset, version: $version, startAt: $at, endAt: $at) { data } }`,
    { dataset: d.name, version: d.version, at: d.last_built });
  const seen = new Map();
  for (const r of data) {
    const key = Object.fromEntries(strKeys.map((k) => [k, r.data[k]]));
    seen.set(JSON.stringify(key), key);
  }
  return { fields: strKeys, values: [...seen.values()] };
}

/** REST links of a range (the download needs the key: it is fetched with it, then saved). */
function downloadLinks(box, d) {
  const links = ["csv", "parquet"].map((format) => h("a", { class: `download ${format}`, "data-format": format }, format === "csv" ? "CSV" : "Parquet"));
  const note = h("span", { class: "muted" });
  box.append(h("span", {}, "Download the visible range: "), ...links.flatMap((a) => [a, " "]), note);
  for (const a of links) {
    a.addEventListener("click", async (e) => {
      e.preventDefault();
      const key = apiKey();
      if (!key) return void (note.textContent = "REST downloads need an API key (enter it above)");
      const res = await fetch(a.href, { headers: { authorization: `Bearer ${key}` } });
      if (!res.ok && res.status !== 206) return void (note.textContent = `download failed: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
      const url = URL.createObjectURL(await res.blob());
      const save = h("a", { href: url, download: `${d.name}-${d.version}.${a.dataset.format}` });
      document.body.append(save);
      save.click();
      save.remove();
      note.textContent = `downloaded (${res.status === 206 ? "some points are not built yet" : "complete"})`;
    });
  }
  return (fromMs, toMs) => {
    const q = `start=${new Date(fromMs).toISOString().slice(0, 19)}&end=${new Date(toMs).toISOString().slice(0, 19)}&build-data=false`;
    for (const a of links) a.href = `/api/v1/data/${encodeURIComponent(d.name)}/${encodeURIComponent(d.version)}?${q}&format=${a.dataset.format}`;
  };
}

export async function renderDataset(main, name, version) {
  let all;
  try {
    all = await catalog();
  } catch (err) {
    main.append(errorBox(err));
    return null;
  }
  const d = all.find((x) => x.name === name && x.version === version);
  if (!d) {
    main.append(errorBox({ code: "DS001", message: `unknown dataset ${name} ${version}` }));
    return null;
  }
  const cov = await gql(`query($n: String!, $v: String!) { dataset(name: $n, version: $v) { coverage { start end } } }`, { n: name, v: version });
  d.coverage_ranges = cov.dataset?.coverage ?? [];
  const step = granularitySeconds(d.granularity) * 1000;
  const horizon = Math.max(Date.now(), d.last_built ? Date.parse(d.last_built) + step : 0);

  const headOf = () => h("section", { class: "head" },
      h("h1", {}, h("span", { class: "ds-name" }, d.name), " ", h("span", { class: "ds-version" }, d.version), " ", h("span", { class: `kind ${d.kind}` }, d.kind)),
      h("p", { class: "desc" }, d.description ?? ""),
      h("dl", { class: "facts" },
        ...[["calendar", d.calendar], ["granularity", d.granularity], ["start", fmtTime(d.start)], ["key", d.key.join(", ") || "—"],
          ["rows", `${d.rows_estimated ? "≈" : ""}${fmtInt(d.rows)}`], ["built", d.first_built ? `${fmtTime(d.first_built)} → ${fmtTime(d.last_built)}` : "nothing yet"],
          ["builder", d.builder], ["fields", d.schema.map((f) => `${f.name} ${f.type}`).join(", ")]].flatMap(([k, v]) => [h("dt", {}, k), h("dd", { "data-fact": k }, v)])),
      h("div", { class: "cov-line" }, coverageBar(d)));
  let head = headOf();
  const section = (title, id, ...children) => h("section", { class: "panel", id }, h("h2", {}, title), ...children);
  const rangeFrom = h("input", { type: "datetime-local", id: "range-start", value: toInput(Date.parse(d.start)) });
  const rangeTo = h("input", { type: "datetime-local", id: "range-end", value: toInput(horizon) });
  const timelineBox = h("div", { class: "timeline-box" });
  const keySelect = h("select", { id: "key-select", "aria-label": "key" });
  const chartBox = h("div", {});
  const downloads = h("p", { class: "downloads" });
  const tableBox = h("div", {});
  const graphBox = h("div", { class: "graph-box" });
  const buildBox = h("div", {});
  const buildsBox = h("div", {});
  main.append(
    head,
    section("Coverage", "coverage", h("div", { class: "toolbar" }, h("label", {}, "from ", rangeFrom), h("label", {}, "to ", rangeTo),
      h("button", { id: "apply-range", onclick: () => applyRange() }, "Show range"), h("span", { class: "muted" }, "UTC")), timelineBox),
    section("Chart", "chart-panel", h("div", { class: "toolbar" }, h("label", {}, "key ", keySelect), h("span", { class: "muted" }, "scroll to zoom, drag to pan: the visible range is loaded")), chartBox, downloads),
    section("Rows", "rows", tableBox),
    section("Dependencies", "deps", graphBox),
    section("Build", "build-panel", buildBox),
    section("Builds", "builds", buildsBox));

  const setLinks = downloadLinks(downloads, d);
  const table = createRowsTable(tableBox, d);
  let visibleTimer = null;
  const chart = createDataChart(chartBox, d, {
    onVisible(from, to) {
      setLinks(from, to);
      panel.setRange(from, to);
      clearTimeout(visibleTimer);
      visibleTimer = setTimeout(() => void table.setRange(from, to), 200);
    },
  });
  const builds = createBuildsList(buildsBox, { dataset: d.name, version: d.version });
  const panel = createBuildPanel(buildBox, d, {
    async onBuilt() {
      const [fresh] = await catalog(d.name, d.version);
      const covered = await gql(`query($n: String!, $v: String!) { dataset(name: $n, version: $v) { coverage { start end } } }`, { n: d.name, v: d.version });
      Object.assign(d, fresh, { coverage_ranges: covered.dataset?.coverage ?? [] });
      const next = headOf();
      head.replaceWith(next);
      head = next;
      await applyRange(false);
      void table.reload();
      void builds.refresh();
    },
  });
  renderDepGraph(graphBox, d, all);

  async function applyRange(reloadChart = true) {
    const from = fromInput(rangeFrom.value).getTime();
    const to = fromInput(rangeTo.value).getTime();
    try {
      await renderTimeline(timelineBox, d, from, to);
    } catch (err) {
      timelineBox.replaceChildren(errorBox(err));
    }
    if (reloadChart) await chart.load(...chartWindow(from, to));
    else await chart.load(chart.range.from, chart.range.to);
  }
  /**
   * The chart opens on the latest built part of the range (all of it when nothing is built):
   * at most 20 × MAX_POINTS calendar points, so that its bars read quickly; zooming out reads more.
   */
  function chartWindow(from, to) {
    if (!d.first_built) return [from, to];
    const end = Math.min(to, Date.parse(d.last_built) + step - 1);
    return [Math.max(from, Date.parse(d.first_built), end - (20 * MAX_POINTS / density(d)) * step), end];
  }

  const keys = await keyValues(d).catch(() => ({ fields: [], values: [] }));
  keySelect.append(...keys.values.map((k) => h("option", { value: JSON.stringify(k) }, Object.values(k).join(" "))));
  keySelect.disabled = keys.values.length < 2;
  if (!keys.values.length) keySelect.append(h("option", {}, d.key.length ? "—" : "no key"));
  keySelect.addEventListener("change", () => void chart.setKey(JSON.parse(keySelect.value), keys.values.length));
  const from = fromInput(rangeFrom.value).getTime();
  const to = fromInput(rangeTo.value).getTime();
  panel.setRange(d.last_built ? Date.parse(d.last_built) : Date.parse(d.start), d.last_built ? Date.parse(d.last_built) : Date.parse(d.start) + 4 * step);
  void renderTimeline(timelineBox, d, from, to).catch((err) => timelineBox.replaceChildren(errorBox(err)));
  const [cf, ct] = chartWindow(from, to);
  await chart.setKey(keys.values[0] ?? null, Math.max(1, keys.values.length), cf, ct);
  return () => {
    chart.destroy();
    builds.close();
    panel.close();
  };
}
