// Events: the webhooks function's events, newest first, filtered, paged by
// the API's cursor as the list scrolls and refreshed every few seconds; an
// event's detail with its signature checked again, and a FAILED one retried.
import { h, remember, api, parse, query, status, time, errorBox, confirmAction, actionButton } from "./dom.js";
import { bars, legend } from "./chart.js";

const providers = ["pomelo", "td", "belvo", "palenca"];
const statuses = ["RECEIVED", "PROCESSED", "FAILED", "UNHANDLED", "DROPPED"];
const colors = { PROCESSED: "#2f7d4f", RECEIVED: "#4a8fd9", FAILED: "#c93c37", UNHANDLED: "#d9a521", DROPPED: "#8a8f98" };
const refreshEvery = 5000;
const page = 50;

export async function render(root, openID) {
  const form = h("form", { class: "filters", id: "event-filters" },
    h("label", {}, "Provider", h("select", { name: "provider" }, h("option", { value: "" }, "any"), providers.map((p) => h("option", { value: p }, p)))),
    h("label", {}, "Status", h("select", { name: "status" }, h("option", { value: "" }, "any"), statuses.map((s) => h("option", { value: s }, s)))),
    h("label", {}, "Type", h("input", { name: "type", placeholder: "ACTIVITY_CREATED", size: 18 })),
    h("label", {}, "Received from", h("input", { name: "since", type: "datetime-local", step: 1 })),
    h("label", {}, "until", h("input", { name: "until", type: "datetime-local", step: 1 })),
    h("button", { type: "submit" }, "Filter"),
    h("button", { type: "reset" }, "Clear"));
  const chart = h("div", { id: "events-chart" });
  const count = h("span", { class: "note", id: "events-count" });
  const body = h("tbody", { id: "events-rows" });
  const more = h("tr", { id: "events-more" }, h("td", { colspan: 6, class: "note" }, ""));
  const list = h("div", { class: "scroll", id: "events-list" },
    h("table", {}, h("thead", {}, h("tr", {}, ["Received", "Provider", "Type", "Status", "Attempts", "Last error"].map((c) => h("th", { class: c === "Attempts" ? "num" : "" }, c)))), body, h("tfoot", {}, more)));
  const detail = h("div", { id: "event-detail", class: "panel" }, h("p", { class: "empty" }, "Choose an event to see its headers, body and attempts."));
  root.append(h("h2", {}, "Events received, per hour of the last 24 hours"), chart,
    form, h("div", { class: "split" }, h("div", {}, h("div", { class: "toolbar" }, count), list), detail));

  const rows = new Map(); // id → tr
  let filters = {}, cursor = null, loading = false, done = false, generation = 0, selected = null;

  function filterQuery(extra) {
    return query({ ...filters, ...extra });
  }

  function row(e) {
    const tr = h("tr", { class: "clickable", dataset: { id: e.id }, onclick: () => open(e.id) });
    fill(tr, e);
    return tr;
  }
  function fill(tr, e) {
    tr.replaceChildren(h("td", { class: "mono" }, time(e.received_at)), h("td", {}, e.provider), h("td", { class: "mono" }, e.type),
      h("td", {}, status(e.status)), h("td", { class: "num" }, e.attempts), h("td", {}, e.last_error || ""));
    tr.dataset.status = e.status;
    tr.classList.toggle("selected", e.id === selected);
  }

  // show adds a page of events under the ones shown.
  function show(res) {
    for (const e of res.events) {
      if (rows.has(e.id)) continue;
      const tr = row(e);
      rows.set(e.id, tr);
      body.append(tr);
    }
    if (!list.dataset.firstPageMs) {
      // Once painted, since navigation started: what the browser test
      // reports.
      requestAnimationFrame(() => setTimeout(() => { list.dataset.firstPageMs = performance.now().toFixed(1); }));
    }
    cursor = res.next_cursor;
    done = !cursor;
    more.firstChild.textContent = done ? (rows.size ? "No more events." : "No event matches.") : "";
    count.textContent = `${rows.size} shown${done ? "" : ", more as you scroll"}`;
  }

  // early is the first page early.js asked for, when the list shows it.
  function early() {
    const first = window.firstEvents;
    window.firstEvents = window.firstEventsRead = undefined;
    return !cursor && !Object.values(filters).some(Boolean) ? first : undefined;
  }

  async function load() {
    if (loading || done) return;
    loading = true;
    const g = generation;
    more.firstChild.textContent = "Loading…";
    try {
      const first = early();
      const res = first ? parse(await first) : await api("/webhooks/events" + filterQuery({ limit: page, cursor }));
      if (g !== generation) return;
      show(res);
    } catch (err) {
      if (g === generation) more.firstChild.replaceChildren(errorBox(err));
    } finally {
      if (g === generation) loading = false;
    }
    if (g === generation && nearEnd()) load();
  }

  // nearEnd says the list is scrolled to within 200 px of its last row.
  function nearEnd() {
    return !done && more.getBoundingClientRect().top < list.getBoundingClientRect().bottom + 200;
  }

  // refresh takes the first page again: new events go on top, the ones
  // shown get their new status.
  async function refresh() {
    const g = generation;
    try {
      const res = await api("/webhooks/events" + filterQuery({ limit: page }));
      if (g !== generation) return;
      const fresh = [];
      for (const e of res.events) {
        const tr = rows.get(e.id);
        if (tr) fill(tr, e);
        else fresh.push(e);
      }
      for (const e of fresh.reverse()) {
        const tr = row(e);
        rows.set(e.id, tr);
        body.prepend(tr);
      }
      if (fresh.length) count.textContent = `${rows.size} shown${done ? "" : ", more as you scroll"}`;
    } catch { /* the next tick tries again */ }
  }

  async function drawChart() {
    try {
      const res = await api("/webhooks/events/hourly");
      const since = Date.parse(res.since), hours = Math.round((Date.parse(res.until) - since) / 3600e3);
      const labels = Array.from({ length: hours }, (_, i) => String(new Date(since + i * 3600e3).getHours()).padStart(2, "0") + "h");
      const series = statuses.map((s) => ({ name: s, color: colors[s] }));
      const charts = providers.map((p) => {
        const data = series.map((s) => ({ ...s, values: new Array(hours).fill(0) }));
        for (const c of res.counts) {
          if (c.provider !== p) continue;
          const i = Math.floor((Date.parse(c.hour) - since) / 3600e3);
          const s = data.find((d) => d.name === c.status);
          if (s && i >= 0 && i < hours) s.values[i] += c.count;
        }
        return h("div", { class: "provider-chart", dataset: { provider: p } }, bars({ labels, series: data, height: 70, tick: 3, title: p }));
      });
      chart.replaceChildren(legend(series), ...charts, res.complete ? "" : h("p", { class: "note" }, "More than 100 000 events: the oldest hours are counted short."));
    } catch (err) {
      chart.replaceChildren(errorBox(err));
    }
  }

  async function open(id) {
    selected = id;
    for (const [rid, tr] of rows) tr.classList.toggle("selected", rid === id);
    remember("events", id);
    detail.replaceChildren(h("p", { class: "note" }, "Loading…"));
    let e;
    try {
      e = await api("/webhooks/events/" + encodeURIComponent(id));
    } catch (err) {
      detail.replaceChildren(errorBox(err));
      return;
    }
    const verdict = h("div", { id: "check-result" });
    const check = h("button", { type: "button", id: "check", onclick: async () => {
      check.disabled = true;
      verdict.replaceChildren(h("p", { class: "note" }, "Checking…"));
      try {
        const v = await api(`/webhooks/events/${encodeURIComponent(id)}/check`, { method: "POST" });
        verdict.replaceChildren(
          h("p", { class: "verdict " + (v.valid ? "ok" : "bad") }, v.valid ? "Signature valid" : "Signature not valid", h("span", { class: "note" }, ` · ${v.scheme}`)),
          v.findings.length ? h("ul", { id: "findings" }, v.findings.map((f) => h("li", { dataset: { part: f.part } }, h("code", {}, f.part), " ", f.message))) : "");
      } catch (err) {
        verdict.replaceChildren(errorBox(err));
      } finally {
        check.disabled = false;
      }
    } }, "Check the signature");
    const actions = h("div", { class: "toolbar" }, check);
    if (e.status === "FAILED") {
      const result = h("span", { class: "note", id: "retry-result" });
      actions.append(actionButton("Retry", async () => {
        if (!(await confirmAction(`Retry event ${e.id}? Processing takes it again (${e.attempts} attempts so far).`))) return;
        try {
          const r = await api(`/webhooks/events/${encodeURIComponent(id)}/retry`, { method: "POST" });
          result.textContent = `${r.status}: processing takes it again.`;
          await refresh();
          setTimeout(() => selected === id && open(id), 1500);
        } catch (err) {
          result.replaceChildren(errorBox(err));
        }
      }), result);
    }
    let pretty = e.body;
    try { pretty = JSON.stringify(JSON.parse(e.body), null, 2); } catch { /* shown as kept */ }
    detail.replaceChildren(
      h("h3", {}, `${e.provider} · ${e.type} `, status(e.status)),
      h("table", {}, h("tbody", {},
        [["id", e.id], ["route", e.route], ["received", time(e.received_at)], ["dedupe key", e.dedupe_key], ["authentication", e.auth + (e.hint ? " (a hint: confirmed by the provider's API)" : "")],
         ["attempts", e.attempts], ["last error", e.last_error || "—"], ["note", e.note || "—"]].map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", { class: "mono" }, v))))),
      actions, verdict,
      h("h3", {}, "Headers kept"),
      Object.keys(e.headers || {}).length ? h("table", { id: "event-headers" }, h("tbody", {}, Object.entries(e.headers).map(([k, v]) => h("tr", {}, h("th", { class: "mono" }, k), h("td", { class: "mono" }, v))))) : h("p", { class: "empty" }, "none"),
      h("h3", {}, "Body", e.masked ? h("span", { class: "note" }, " · personal data masked") : ""),
      h("pre", { id: "event-body" }, pretty));
  }

  function restart() {
    generation++;
    const data = new FormData(form);
    filters = {};
    for (const k of ["provider", "status", "type"]) filters[k] = data.get(k).trim();
    for (const k of ["since", "until"]) if (data.get(k)) filters[k] = new Date(data.get(k)).toISOString();
    rows.clear();
    body.replaceChildren();
    cursor = null;
    done = false;
    loading = false;
    load();
  }
  form.addEventListener("submit", (ev) => { ev.preventDefault(); restart(); });
  form.addEventListener("reset", () => setTimeout(restart));

  // The observer's entries may describe the list before its rows arrived:
  // where the list is now decides.
  const seen = new IntersectionObserver(() => { if (nearEnd()) load(); }, { root: list, rootMargin: "200px" });
  seen.observe(more);
  // Refreshed while someone can see it.
  const timer = setInterval(() => {
    if (document.hidden) return;
    refresh();
    drawChart();
  }, refreshEvery);
  // The first page drawn before the first paint when early.js has it
  // already.
  const read = window.firstEventsRead;
  if (read && read.ok) {
    early();
    show(parse(read));
  } else {
    await load();
  }
  drawChart();
  if (openID) open(openID);
  return () => {
    generation++;
    clearInterval(timer);
    seen.disconnect();
  };
}
