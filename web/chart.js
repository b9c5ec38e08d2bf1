// The chart of a dataset (lightweight-charts): candlesticks and volume for OHLC-shaped
// datasets, lines for the numeric fields of the others, for one key value. It loads only
// the visible range: raw rows (GraphQL `data`) when few enough points are visible, else
// bars resampled by the database (GraphQL `bars`, ds.bars) at an interval chosen from the
// count of points in view; zoom and pan reload what came into view.
import { gql } from "./api.js";
import { fmtInt, fmtTime, granularitySeconds, h } from "./format.js";

/** Points per key the chart asks for at most (and rows in all, across keys). */
export const MAX_POINTS = 1500;
const MAX_ROWS = 6000;
const LADDER = ["1m", "2m", "5m", "10m", "15m", "30m", "1h", "2h", "3h", "6h", "1d", "2d", "5d", "10d", "20d", "60d", "120d"];
const NUMERIC = new Set(["int", "float", "numeric"]);
const COLORS = ["#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2"];

export function isOhlc(d) {
  const names = new Set(d.schema.filter((f) => NUMERIC.has(f.type)).map((f) => f.name));
  return ["open", "high", "low", "close"].every((f) => names.has(f));
}

/** Calendar points per step of wall time (1 for everyday 1d, about 0.19 for nyse 1m). */
export function density(d) {
  const step = granularitySeconds(d.granularity);
  const span = (Math.max(Date.now(), d.last_built ? Date.parse(d.last_built) : 0) - Date.parse(d.start)) / 1000;
  return span > 0 && d.points > 0 ? Math.min(1, d.points / (span / step)) : 1;
}

/**
 * What to read for [from, to]: "raw" when its estimated points fit, else the finest bar
 * interval whose estimated bar count fits. Exported for the docs and tests.
 */
export function chooseInterval(d, fromMs, toMs, keys = 1, ohlc = true) {
  const step = granularitySeconds(d.granularity);
  const span = Math.max(0, toMs - fromMs) / 1000;
  const dens = density(d);
  const budget = Math.min(MAX_POINTS, Math.floor(MAX_ROWS / Math.max(1, keys)));
  const raw = (span / step) * dens;
  if (raw <= budget || !ohlc) return { interval: "raw", estimate: Math.round(raw), budget };
  for (const g of LADDER) {
    const gs = granularitySeconds(g);
    if (gs <= step || (gs < 86400 ? gs % step !== 0 : gs % 86400 !== 0)) continue;
    const bars = (span / gs) * Math.min(1, (dens * gs) / step);
    if (bars <= budget) return { interval: g, estimate: Math.round(bars), budget };
  }
  return { interval: LADDER.at(-1), estimate: null, budget };
}

const iso = (ms) => new Date(ms).toISOString();
const keyMatch = (obj, key) => !key || Object.entries(key).every(([k, v]) => String(obj?.[k]) === String(v));

export function createDataChart(container, d, { onVisible } = {}) {
  const LC = window.LightweightCharts;
  const ohlc = isOhlc(d);
  const info = h("div", { class: "chart-info" });
  const box = h("div", { class: "chart", "data-testid": "chart" });
  const empty = h("div", { class: "chart-empty", hidden: true }, "Nothing built in this range: build it below, or zoom out.");
  container.append(h("div", { class: "chart-frame" }, box, empty), info);
  const chart = LC.createChart(box, {
    height: 360, layout: { background: { color: "#ffffff" }, textColor: "#334155" },
    grid: { vertLines: { color: "#f1f5f9" }, horzLines: { color: "#f1f5f9" } },
    timeScale: { timeVisible: granularitySeconds(d.granularity) < 86400, secondsVisible: false, rightOffset: 2 },
    localization: { timeFormatter: (t) => fmtTime(t * 1000) },
  });
  const series = [];
  let volume = null;
  if (ohlc) {
    series.push(chart.addSeries(LC.CandlestickSeries, { upColor: "#16a34a", downColor: "#dc2626", borderVisible: false, wickUpColor: "#16a34a", wickDownColor: "#dc2626" }));
    if (d.schema.some((f) => f.name === "volume")) {
      volume = chart.addSeries(LC.HistogramSeries, { priceScaleId: "volume", priceFormat: { type: "volume" }, color: "#94a3b8" });
      chart.priceScale("volume").applyOptions({ scaleMargins: { top: 0.78, bottom: 0 } });
      series[0].priceScale().applyOptions({ scaleMargins: { top: 0.05, bottom: 0.25 } });
    }
  } else {
    d.schema.filter((f) => NUMERIC.has(f.type) && !d.key.includes(f.name)).slice(0, COLORS.length)
      .forEach((f, i) => series.push(Object.assign(chart.addSeries(LC.LineSeries, { color: COLORS[i], lineWidth: 2, title: f.name }), { field: f.name })));
  }

  const state = { key: null, keys: 1, from: 0, to: 0, times: [], interval: "raw", loading: 0, ignoreUntil: 0 };

  async function read(fromMs, toMs) {
    const choice = chooseInterval(d, fromMs, toMs, state.keys, ohlc);
    let from = fromMs;
    let note = "";
    if (choice.interval === "raw" && choice.estimate > choice.budget) {
      // lines cannot be resampled by ds.bars: the latest points that fit
      from = Math.max(fromMs, toMs - (choice.budget / density(d)) * granularitySeconds(d.granularity) * 1000);
      note = " (the latest points only: zoom in for the rest; ds.bars resamples OHLC data only)";
    }
    const vars = { dataset: d.name, version: d.version, startAt: iso(from), endAt: iso(toMs) };
    if (choice.interval === "raw") {
      const { data } = await gql(`query($dataset: String, $version: String, $startAt: Datetime, $endAt: Datetime) {
        data(dataset: $dataset, version: $version, startAt: $startAt, endAt: $endAt) { ts data } }`, vars);
      return { interval: "raw", from, note, points: data.filter((r) => keyMatch(r.data, state.key)).map((r) => ({ t: Date.parse(r.ts) / 1000, v: r.data })) };
    }
    const { bars } = await gql(`query($dataset: String, $version: String, $g: String, $startAt: Datetime, $endAt: Datetime) {
      bars(dataset: $dataset, version: $version, granularity: $g, startAt: $startAt, endAt: $endAt) { ts key open high low close volume } }`,
      { ...vars, g: choice.interval });
    return { interval: choice.interval, from, note, points: bars.filter((b) => keyMatch(b.key, state.key)).map((b) => ({ t: Date.parse(b.ts) / 1000, v: b })) };
  }

  function draw(points) {
    // one point per time (keyless datasets may hold several rows at one ts: the last wins)
    const byTime = new Map(points.map((p) => [p.t, p.v]));
    const times = [...byTime.keys()].sort((a, b) => a - b);
    state.times = times;
    if (ohlc) {
      series[0].setData(times.map((t) => { const v = byTime.get(t); return { time: t, open: v.open, high: v.high, low: v.low, close: v.close }; }));
      volume?.setData(times.map((t) => { const v = byTime.get(t); return { time: t, value: Number(v.volume ?? 0), color: v.close >= v.open ? "#86efac" : "#fca5a5" }; }));
    } else {
      for (const s of series) s.setData(times.filter((t) => typeof byTime.get(t)[s.field] === "number").map((t) => ({ time: t, value: byTime.get(t)[s.field] })));
    }
  }

  /** Loads [fromMs, toMs] and shows it whole. */
  async function load(fromMs, toMs) {
    const ticket = ++state.loading;
    info.textContent = "loading…";
    try {
      const got = await read(fromMs, toMs);
      if (ticket !== state.loading) return;
      state.from = got.from;
      state.to = toMs;
      state.interval = got.interval;
      draw(got.points);
      empty.hidden = got.points.length > 0;
      state.ignoreUntil = Date.now() + 400;
      if (got.points.length) chart.timeScale().setVisibleRange({ from: got.from / 1000, to: toMs / 1000 });
      info.dataset.interval = got.interval;
      info.dataset.points = String(got.points.length);
      info.textContent = `${state.key ? Object.values(state.key).join(" ") + " · " : ""}${got.interval === "raw" ? `raw ${d.granularity} rows` : `${got.interval} bars (ds.bars)`} · ${fmtInt(got.points.length)} points · ${fmtTime(got.from)} → ${fmtTime(toMs)}${got.points.length ? "" : " · nothing built here"}${got.note}`;
      onVisible?.(got.from, toMs);
    } catch (err) {
      if (ticket === state.loading) info.textContent = `could not load: ${err.code ? `${err.code} ` : ""}${err.message}`;
    }
  }

  /** The time at a logical index, extrapolated past the loaded points. */
  function timeAt(x) {
    const t = state.times;
    if (t.length === 0) return null;
    const spacing = t.length > 1 ? (t.at(-1) - t[0]) / (t.length - 1) : granularitySeconds(state.interval === "raw" ? d.granularity : state.interval);
    if (x <= 0) return (t[0] + x * spacing) * 1000;
    if (x >= t.length - 1) return (t.at(-1) + (x - t.length + 1) * spacing) * 1000;
    const i = Math.floor(x);
    return (t[i] + (x - i) * (t[i + 1] - t[i])) * 1000;
  }

  let timer = null;
  chart.timeScale().subscribeVisibleLogicalRangeChange((event) => {
    if (!event || Date.now() < state.ignoreUntil) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      // the range once zooming or panning paused (events may arrive before a setVisibleRange lands)
      const range = chart.timeScale().getVisibleLogicalRange();
      if (!range) return;
      const lo = Date.parse(d.start);
      const hi = Math.max(Date.now(), d.last_built ? Date.parse(d.last_built) : 0);
      const from = Math.max(lo, timeAt(range.from));
      const to = Math.min(hi, timeAt(range.to));
      if (!(to > from)) return;
      const span = state.to - state.from;
      const beyond = from < state.from - span * 0.02 || to > state.to + span * 0.02;
      const visible = Math.max(0, Math.min(range.to, state.times.length - 1) - Math.max(range.from, 0));
      const finer = state.interval !== "raw" && visible < MAX_POINTS / 10;
      if (beyond || finer) void load(from, to);
      // the visible part of what is loaded (the chart's right offset is no data)
      else {
        // within a bar of the loaded ends counts as the ends (no needless reload of the rows)
        const bar = state.times.length > 1 ? ((state.times.at(-1) - state.times[0]) / (state.times.length - 1)) * 1000 : 0;
        onVisible?.(range.from <= 0 || from - state.from < bar ? state.from : from, range.to >= state.times.length - 1 || state.to - to < 2 * bar ? state.to : to);
      }
    }, 350);
  });

  return {
    load,
    /** Shows one key value ({ticker: "SPY"}) out of `keys` values (over [fromMs, toMs] when given). */
    setKey(key, keys, fromMs = state.from, toMs = state.to) {
      state.key = key;
      state.keys = keys;
      return load(fromMs, toMs);
    },
    get range() { return { from: state.from, to: state.to }; },
    destroy() { chart.remove(); },
  };
}
