// A stacked bar chart drawn as inline SVG: one bar per label, one segment
// per series, the figures in each bar's title.
import { h, svg } from "./dom.js";

// bars draws {labels, series: [{name, color, values}]}; every tick-th
// label is written under its bar.
export function bars({ labels, series, height = 90, tick = 1, title = "" }) {
  const width = 720, top = 14, bottom = 16, left = 30;
  const totals = labels.map((_, i) => series.reduce((n, s) => n + (s.values[i] || 0), 0));
  const max = Math.max(1, ...totals);
  const step = (width - left) / Math.max(1, labels.length);
  const bw = Math.max(1, step * 0.8);
  const plot = height - top - bottom;
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title });
  chart.append(svg("text", { x: 0, y: 10 }, title ? `${title} · max ${max}` : `max ${max}`));
  chart.append(svg("line", { x1: left, x2: width, y1: top + plot, y2: top + plot, stroke: "#d0d7de" }));
  labels.forEach((label, i) => {
    const x = left + i * step;
    let y = top + plot;
    const parts = [];
    for (const s of series) {
      const v = s.values[i] || 0;
      if (!v) continue;
      const hgt = Math.max(1, (v / max) * plot);
      y -= hgt;
      chart.append(svg("rect", { x: x.toFixed(1), y: y.toFixed(1), width: bw.toFixed(1), height: hgt.toFixed(1), fill: s.color, "data-series": s.name, "data-label": label, "data-value": v },
        svg("title", {}, `${label} · ${s.name}: ${v}`)));
      parts.push(`${s.name} ${v}`);
    }
    if (i % tick === 0) chart.append(svg("text", { x: x.toFixed(1), y: height - 3 }, label));
  });
  return chart;
}

// legend names each series' colour.
export function legend(series) {
  return h("div", { class: "legend" }, series.map((s) => h("span", {}, h("i", { style: { background: s.color } }), s.name)));
}
