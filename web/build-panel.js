// The build panel of a dataset version: a range, a dry run (REST, rolled back: the rows a
// build would write), a real build (GraphQL mutation) with a live progress bar fed by the
// buildProgress subscription, cancel, delete, and the error of a failed build with its DS
// code. Building and deleting need the API key; without it the buttons say so.
import { apiKey, gql, rest, subscribe } from "./api.js";
import { errorBox, fmtInt, fromInput, h, toInput } from "./format.js";
import { progressBar } from "./builds.js";
import { groupsTable } from "./rows-table.js";

const BUILD_FIELDS = "id state progress points pointsBuilt rowsWritten error errorCode";
const naive = (ms) => new Date(ms).toISOString().slice(0, 19);

export function createBuildPanel(container, d, { onBuilt }) {
  const start = h("input", { type: "datetime-local", id: "build-start", "aria-label": "build start (UTC)" });
  const end = h("input", { type: "datetime-local", id: "build-end", "aria-label": "build end (UTC)" });
  const dry = h("button", { id: "dry-run" }, "Dry run");
  const build = h("button", { id: "build", class: "primary needs-key" }, "Build");
  const cancel = h("button", { id: "cancel", hidden: true }, "Cancel");
  const del = h("button", { id: "delete", class: "danger needs-key" }, "Delete rows");
  const lock = h("span", { class: "muted lock-note" });
  const progress = h("div", { class: "build-progress" });
  const result = h("div", { class: "build-result" });
  container.append(h("div", { class: "build-form" }, h("label", {}, "from ", start), h("label", {}, "to ", end), " (UTC, inclusive) ", dry, build, cancel, del, lock), progress, result);

  function authChanged() {
    const ok = Boolean(apiKey());
    for (const b of [dry, build, del]) b.disabled = !ok;
    lock.textContent = ok ? "" : "read-only: enter an API key above to dry-run, build or delete";
  }
  window.addEventListener("ds-auth", authChanged);
  authChanged();

  let touched = false;
  for (const input of [start, end]) input.addEventListener("input", () => (touched = true));
  const range = () => ({ from: fromInput(start.value).getTime(), to: fromInput(end.value).getTime() });
  let unsubscribe = null;

  dry.onclick = async () => {
    const { from, to } = range();
    result.replaceChildren(h("p", { class: "muted" }, "dry run: running the builders in a rolled-back transaction…"));
    try {
      const body = await rest(`/build/${encodeURIComponent(d.name)}/${encodeURIComponent(d.version)}?start=${naive(from)}&end=${naive(to)}&dry-run=true`, { method: "POST" });
      const groups = body.rows.slice().reverse().map((g) => ({ ts: `${g.timestamp}Z`, data: g.data }));
      result.replaceChildren(h("p", { class: "dry-run-note" }, `Dry run: a build would write ${fmtInt(groups.reduce((n, g) => n + g.data.length, 0))} rows at ${fmtInt(groups.length)} timestamps (nothing was written).`),
        h("div", { class: "rows-wrap" }, groupsTable(d, groups.slice(0, 200))));
    } catch (err) {
      result.replaceChildren(errorBox(err));
    }
  };

  function follow(b) {
    const show = (x) => {
      progress.replaceChildren(h("span", { class: "build-id" }, `build #${x.id} `), h("span", { class: `state ${x.state}` }, x.state), " ",
        progressBar(x.progress, x.state), h("span", { class: "muted" }, ` ${fmtInt(x.pointsBuilt)} / ${fmtInt(x.points)} points, ${fmtInt(x.rowsWritten)} rows`));
      cancel.hidden = !(x.state === "queued" || x.state === "running");
      if (x.state === "failed" || x.state === "cancelled") {
        result.replaceChildren(x.error || x.errorCode ? errorBox({ code: x.errorCode, message: `build #${x.id} ${x.state}: ${x.error ?? ""}` }) : h("p", {}, `build #${x.id} ${x.state}`));
      }
      if (["succeeded", "failed", "cancelled"].includes(x.state)) onBuilt?.(x);
    };
    show(b);
    cancel.onclick = async () => {
      try {
        show((await gql(`mutation($id: BigInt!) { cancel(id: $id) { ${BUILD_FIELDS} } }`, { id: b.id }, { withKey: true })).cancel);
      } catch (err) {
        result.replaceChildren(errorBox(err));
      }
    };
    unsubscribe?.();
    unsubscribe = subscribe(`subscription($id: BigInt!) { buildProgress(id: $id) { ${BUILD_FIELDS} } }`, { id: b.id }, {
      next: (data) => data.buildProgress && show(data.buildProgress),
      error: (err) => result.replaceChildren(errorBox(err)),
      complete: () => {},
    });
  }

  build.onclick = async () => {
    const { from, to } = range();
    result.replaceChildren();
    try {
      const { build: b } = await gql(`mutation($dataset: String!, $version: String!, $startAt: Datetime!, $endAt: Datetime!) {
        build(dataset: $dataset, version: $version, startAt: $startAt, endAt: $endAt) { ${BUILD_FIELDS} } }`,
      { dataset: d.name, version: d.version, startAt: new Date(from).toISOString(), endAt: new Date(to).toISOString() }, { withKey: true });
      follow(b);
      onBuilt?.(b); // the timeline shows what is being built
    } catch (err) {
      result.replaceChildren(errorBox(err));
    }
  };

  del.onclick = async () => {
    const { from, to } = range();
    if (!confirm(`Delete the rows of ${d.name} ${d.version} from ${naive(from)} to ${naive(to)}? Dependents' coverage there is invalidated.`)) return;
    try {
      const { delete: r } = await gql(`mutation($dataset: String!, $version: String!, $startAt: Datetime!, $endAt: Datetime!) {
        delete(dataset: $dataset, version: $version, startAt: $startAt, endAt: $endAt) { deleted firstTs lastTs } }`,
      { dataset: d.name, version: d.version, startAt: new Date(from).toISOString(), endAt: new Date(to).toISOString() }, { withKey: true });
      result.replaceChildren(h("p", { class: "deleted-note" }, `Deleted ${fmtInt(r.deleted)} rows.`));
      onBuilt?.({ state: "deleted" });
    } catch (err) {
      result.replaceChildren(errorBox(err));
    }
  };

  return {
    /** Follows the chart's visible range until the user types a range. */
    setRange(fromMs, toMs) {
      if (touched) return;
      start.value = toInput(fromMs);
      end.value = toInput(toMs);
    },
    close() {
      unsubscribe?.();
      window.removeEventListener("ds-auth", authChanged);
    },
  };
}
