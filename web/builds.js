// Builds with state, progress, duration and errors (GraphQL `builds`, newest first): of one
// dataset version on its page, of every dataset at #/builds. Refreshed while some are active.
import { gql } from "./api.js";
import { errorBox, fmtDuration, fmtInt, fmtTime, h } from "./format.js";

const QUERY = `query($condition: BuildCondition) {
  builds(condition: $condition, orderBy: [ID_DESC], first: 50) { nodes {
    id dataset version startAt endAt state progress points pointsBuilt rowsWritten error errorCode createdAt startedAt finishedAt } } }`;

export function progressBar(progress, state) {
  return h("div", { class: `progress ${state}`, role: "progressbar", "aria-valuenow": Math.round(progress * 100) },
    h("div", { class: "progress-fill", style: { width: `${progress * 100}%` } }), h("span", {}, `${Math.round(progress * 100)}%`));
}

export function createBuildsList(container, { dataset, version } = {}) {
  const body = h("tbody");
  container.append(h("table", { class: "builds" },
    h("thead", {}, h("tr", {}, ...["Build", "Dataset", "Range", "State", "Progress", "Duration", "Rows", "Error"].map((t) => h("th", {}, t)))), body));
  let timer = null;
  let closed = false;
  async function refresh() {
    clearTimeout(timer);
    try {
      const { builds } = await gql(QUERY, { condition: dataset ? { dataset, version } : null });
      if (!builds.nodes.length) body.replaceChildren(h("tr", {}, h("td", { colspan: 8, class: "muted" }, "no builds yet")));
      else body.replaceChildren(...builds.nodes.map((b) => {
        const end = b.finishedAt ? Date.parse(b.finishedAt) : Date.now();
        const dur = b.startedAt ? end - Date.parse(b.startedAt) : null;
        return h("tr", { class: "build-row", "data-build": b.id, "data-state": b.state },
          h("td", {}, `#${b.id}`, h("div", { class: "muted" }, fmtTime(b.createdAt))),
          h("td", {}, h("a", { href: `#/d/${encodeURIComponent(b.dataset)}/${encodeURIComponent(b.version)}` }, `${b.dataset} ${b.version}`)),
          h("td", {}, `${fmtTime(b.startAt)} → ${fmtTime(b.endAt)}`),
          h("td", {}, h("span", { class: `state ${b.state}` }, b.state)),
          h("td", {}, progressBar(b.progress, b.state), h("div", { class: "muted" }, `${fmtInt(b.pointsBuilt)} / ${fmtInt(b.points)} points`)),
          h("td", { class: "num" }, fmtDuration(dur)),
          h("td", { class: "num" }, fmtInt(b.rowsWritten)),
          h("td", { class: "err" }, b.errorCode ? h("b", {}, `${b.errorCode} `) : "", b.error ?? ""));
      }));
      if (!closed && builds.nodes.some((b) => b.state === "queued" || b.state === "running")) timer = setTimeout(refresh, 1500);
    } catch (err) {
      body.replaceChildren(h("tr", {}, h("td", { colspan: 8 }, errorBox(err))));
    }
  }
  void refresh();
  return { refresh, close() { closed = true; clearTimeout(timer); } };
}

export async function renderBuilds(main) {
  const box = h("section", {}, h("h1", {}, "Builds"));
  main.append(box);
  const list = createBuildsList(box, {});
  return () => list.close();
}
