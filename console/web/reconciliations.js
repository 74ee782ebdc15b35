// Reconciliations: a month of daily runs as a calendar coloured by status,
// the rows per rule of the last 30 days, and a day's summary, exceptions
// and debts; a day is re-run from here.
import { h, remember, api, query, status, isoDate, errorBox, confirmAction, actionButton, APIError } from "./dom.js";
import { bars, legend } from "./chart.js";

const counts = [
  ["matched", "#2f7d4f"], ["amount_adjusted", "#4a8fd9"], ["adjusted", "#0b5cad"], ["held", "#8a63d2"],
  ["malformed", "#c93c37"], ["refused", "#e07b39"], ["mismatch", "#d9a521"], ["client_only", "#6e7781"],
];
const rules = ["AMOUNT_ADJUSTED", "ADJUSTED", "HELD", "MALFORMED", "REFUSED", "MISMATCH", "CLIENT_ONLY", "PRESENTMENT"];

// runs lists the runs from from to to, the API's "up to today" taken in its
// zone: when the browser's today is already tomorrow there, it asks again
// up to the day before.
async function runs(from, to) {
  try {
    return (await api("/reconciliations" + query({ from, to }))).reconciliations;
  } catch (err) {
    const before = new Date(to + "T12:00:00");
    before.setDate(before.getDate() - 1);
    if (!(err instanceof APIError) || err.status !== 400 || isoDate(before) < from) throw err;
    return (await api("/reconciliations" + query({ from, to: isoDate(before) }))).reconciliations;
  }
}

function dayClass(run) {
  if (!run) return "none";
  if (run.status === "COMPLETED") return run.anomalies > 0 ? "anomalies" : "clean";
  return run.status;
}

export async function render(root, arg) {
  const today = new Date();
  let month = arg ? new Date(arg + "T12:00:00") : new Date(today.getFullYear(), today.getMonth(), 1, 12);
  if (isNaN(month)) month = new Date(today.getFullYear(), today.getMonth(), 1, 12);
  let selected = arg || "";
  const title = h("strong", { id: "month" });
  const calendar = h("div", { class: "calendar", id: "calendar" });
  const day = h("div", { id: "day", class: "panel" }, h("p", { class: "empty" }, "Choose a day."));
  const chart = h("div", { id: "rules-chart" });
  root.append(
    h("h2", {}, "Rows per rule, last 30 days"), chart,
    h("div", { class: "split" },
      h("div", {},
        h("div", { class: "toolbar" },
          h("button", { type: "button", id: "prev-month", onclick: () => { month.setMonth(month.getMonth() - 1); drawMonth(); } }, "‹"),
          title,
          h("button", { type: "button", id: "next-month", onclick: () => { month.setMonth(month.getMonth() + 1); drawMonth(); } }, "›")),
        legend([["clean", "#dafbe1"], ["with anomalies", "#fff1c2"], ["FAILED", "#ffd8d3"], ["RUNNING", "#d6e8ff"], ["not run", "#f6f8fa"]].map(([name, color]) => ({ name, color }))),
        calendar),
      day));

  async function drawMonth() {
    month.setDate(1);
    const first = new Date(month), last = new Date(month.getFullYear(), month.getMonth() + 1, 0, 12);
    title.textContent = first.toLocaleString("en", { month: "long", year: "numeric" });
    const started = performance.now();
    const to = last > today ? isoDate(today) : isoDate(last);
    let list = [];
    try {
      if (first <= today) list = await runs(isoDate(first), to);
    } catch (err) {
      calendar.replaceChildren(errorBox(err));
      return;
    }
    const byDate = new Map(list.map((r) => [r.date, r]));
    const cells = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].map((d) => h("div", { class: "dow" }, d));
    for (let i = 0; i < (first.getDay() + 6) % 7; i++) cells.push(h("div", { class: "pad" }));
    for (let d = new Date(first); d <= last; d.setDate(d.getDate() + 1)) {
      const date = isoDate(d), run = byDate.get(date), cls = dayClass(run);
      cells.push(h("button", { type: "button", class: `day ${cls}${date === selected ? " selected" : ""}`, dataset: { date, status: cls },
        title: run ? `${date}: ${run.status}, ${run.transactions.rows} rows, ${run.anomalies} anomalies` : `${date}: not run`,
        onclick: () => showDay(date) }, String(d.getDate()), h("span", { class: "s" }, run ? (cls === "anomalies" ? `${run.anomalies} anomalies` : run.status.toLowerCase()) : "")));
    }
    calendar.replaceChildren(...cells);
    // From asking for the month to its paint: what the browser test reports.
    delete calendar.dataset.drawnMs;
    requestAnimationFrame(() => setTimeout(() => { calendar.dataset.drawnMs = (performance.now() - started).toFixed(1); }));
  }

  async function drawChart() {
    const from = new Date(today);
    from.setDate(from.getDate() - 29);
    try {
      const list = await runs(isoDate(from), isoDate(today));
      const labels = [], byDate = new Map(list.map((r) => [r.date, r]));
      for (let d = new Date(from); d <= today; d.setDate(d.getDate() + 1)) labels.push(isoDate(d));
      const series = counts.map(([name, color]) => ({ name, color, values: labels.map((l) => (byDate.get(l)?.transactions[name]) || 0) }));
      chart.replaceChildren(legend(series), bars({ labels: labels.map((l) => l.slice(5)), series, height: 110, tick: 5 }));
    } catch (err) {
      chart.replaceChildren(errorBox(err));
    }
  }

  async function showDay(date) {
    selected = date;
    remember("reconciliations", date);
    for (const b of calendar.querySelectorAll("button.day")) b.classList.toggle("selected", b.dataset.date === date);
    day.replaceChildren(h("p", { class: "note" }, "Loading…"));
    let s = null;
    try {
      s = await api("/reconciliations/" + date);
    } catch (err) {
      if (!(err instanceof APIError) || err.code !== "RECONCILIATION_NOT_FOUND") {
        day.replaceChildren(errorBox(err));
        return;
      }
    }
    const result = h("span", { class: "note", id: "rerun-result" });
    const rerun = actionButton(s ? "Re-run this day" : "Run this day", async () => {
      if (!(await confirmAction(`${s ? "Re-run" : "Run"} the reconciliation of ${date}? It reads the day's files again and posts only what is missing.`))) return;
      rerun.disabled = true;
      result.textContent = "Running…";
      try {
        const r = await api("/reconciliations", { method: "POST", body: { date } });
        result.textContent = `${r.status}${r.reason ? ": " + r.reason : ""}`;
        await drawMonth();
        await showDay(date);
      } catch (err) {
        result.replaceChildren(errorBox(err));
      } finally {
        rerun.disabled = false;
      }
    });
    if (!s) {
      day.replaceChildren(h("h3", {}, date), h("p", { class: "empty" }, "Never reconciled."), h("div", { class: "toolbar" }, rerun, result));
      return;
    }
    const t = s.transactions, p = s.presentations;
    const figure = (k, n) => h("div", { class: "figure", dataset: { count: k } }, h("div", { class: "n" }, n ?? 0), h("div", { class: "k" }, k.replaceAll("_", " ")));
    const parts = [
      h("h3", {}, `${date} `, status(s.status, s.status === "COMPLETED" ? (s.anomalies_total > 0 ? "anomalies" : "clean") : s.status)),
      s.reason ? h("p", { class: "error" }, s.reason) : "",
      h("div", { class: "toolbar" }, rerun, result),
      h("div", { class: "figures", id: "day-figures" }, ["rows", "matched", "amount_adjusted", "adjusted", "held", "client_only", "malformed", "refused", "mismatch"].map((k) => figure(k, t[k]))),
    ];
    const owed = Object.entries(p.debt || {});
    parts.push(h("h3", {}, "What we owe Pomelo"),
      owed.length ? h("table", { id: "owed" }, h("tbody", {}, owed.map(([cur, amount]) => h("tr", {}, h("th", {}, cur), h("td", { class: "num mono" }, amount, amount.startsWith("-") ? " (Pomelo owes us)" : ""))))) : h("p", { class: "empty" }, "nothing"),
      h("p", { class: "note" }, `${p.rows} presentment rows, ${p.flagged} flagged, ${p.malformed || 0} malformed.`));
    parts.push(h("h3", {}, "Debts: accounts below zero after the run"),
      s.debts.length ? h("table", { id: "debts" }, h("thead", {}, h("tr", {}, h("th", {}, "User"), h("th", {}, "Currency"), h("th", { class: "num" }, "Balance"))),
        h("tbody", {}, s.debts.map((d) => h("tr", {}, h("td", {}, h("a", { href: "#accounts/" + encodeURIComponent(d.user_id) }, d.user_id)), h("td", {}, d.currency), h("td", { class: "num mono debt" }, d.balance))))) : h("p", { class: "empty" }, "none"));
    if (s.status === "COMPLETED") parts.push(exceptions(date, s.anomalies_total));
    day.replaceChildren(...parts);
  }

  function exceptions(date, anomalies) {
    const rule = h("select", { id: "exception-rule" }, h("option", { value: "" }, "every rule"), rules.map((r) => h("option", { value: r }, r)));
    const body = h("tbody", { id: "exception-rows" });
    const more = h("button", { type: "button", id: "exceptions-more" }, "More");
    let cursor = null;
    async function load(reset) {
      if (reset) { body.replaceChildren(); cursor = null; }
      more.disabled = true;
      try {
        const res = await api(`/reconciliations/${date}/exceptions` + query({ rule: rule.value, limit: 100, cursor }));
        for (const x of res.exceptions) {
          body.append(h("tr", { dataset: { rule: x.rule } }, h("td", { class: "mono" }, x.transaction_id), h("td", {}, x.rule), h("td", { class: "mono" }, x.action), h("td", {}, x.detail)));
        }
        if (!body.children.length) body.append(h("tr", {}, h("td", { colspan: 4, class: "empty" }, "none")));
        cursor = res.next_cursor;
        more.hidden = !cursor;
      } catch (err) {
        body.append(h("tr", {}, h("td", { colspan: 4 }, errorBox(err))));
      } finally {
        more.disabled = false;
      }
    }
    rule.addEventListener("change", () => load(true));
    more.addEventListener("click", () => load(false));
    load(true);
    return h("div", {},
      h("h3", {}, `Exceptions (${anomalies} anomalies)`),
      h("div", { class: "toolbar" }, h("label", {}, "Rule", rule), h("a", { href: `/reconciliations/${date}/exceptions.csv`, download: `exceptions-${date}.csv`, id: "exceptions-download" }, "Download exceptions.csv")),
      h("div", { class: "scroll" }, h("table", {}, h("thead", {}, h("tr", {}, ["Transaction", "Rule", "Action", "Detail"].map((c) => h("th", {}, c)))), body)),
      more);
  }

  drawChart();
  await drawMonth();
  if (selected) showDay(selected);
}
