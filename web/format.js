// Formatting and small DOM helpers shared by the pages.

/** An element: h("div", { class: "x", onclick }, child, "text", ...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

const SVG = "http://www.w3.org/2000/svg";
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

export const fmtInt = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString("en-US"));
export const fmtPct = (x) => `${(x * 100).toFixed(x > 0 && x < 0.001 ? 2 : 1)}%`;

/** 2024-01-02 14:30 (UTC), seconds when present. */
export function fmtTime(t) {
  if (!t) return "—";
  const iso = new Date(t).toISOString();
  const [d, rest] = iso.split("T");
  const time = rest.slice(0, 8);
  return time === "00:00:00" ? d : `${d} ${time.endsWith(":00") ? time.slice(0, 5) : time}`;
}

/** yyyy-mm-ddThh:mm for <input type="datetime-local"> (UTC). */
export const toInput = (t) => new Date(t).toISOString().slice(0, 16);
/** An <input type="datetime-local"> value read as UTC. */
export const fromInput = (v) => new Date(`${v}:00Z`);

export function fmtDuration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Seconds of a granularity: 1s, 5m, 1h, 1d, 7d. */
export function granularitySeconds(g) {
  const m = /^(\d+)\s*(s|m|min|h|d|w)$/.exec(g);
  if (!m) return 86400;
  return Number(m[1]) * { s: 1, m: 60, min: 60, h: 3600, d: 86400, w: 604800 }[m[2]];
}

/** The kind of a dataset from its builder (the catalog gives it too). */
export function kindOf(builder) {
  if (builder === "external") return "written";
  if (builder.startsWith("transform:")) return "transform";
  if (builder.startsWith("source:")) return "source";
  return "built";
}

export function showJson(value) {
  const dialog = document.getElementById("json-dialog");
  document.getElementById("json-text").textContent = JSON.stringify(value, null, 2);
  dialog.showModal();
}

export function errorBox(err) {
  return h("p", { class: "error" }, err.code ? h("b", {}, `${err.code} `) : "", err.message, err.hint ? h("span", { class: "hint" }, ` — ${err.hint}`) : "");
}
