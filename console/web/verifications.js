// Verifications: one found by its id or its external_id, its report's
// jobs as a timeline beside the insights, and every attempt with its
// provider and error.
import { h, remember, api, status, time, errorBox, APIError } from "./dom.js";

const idShape = /^ver_[a-z2-7]{26}$/;

export async function render(root, arg) {
  const input = h("input", { name: "q", id: "verification-q", placeholder: "ver_… or your external_id", size: 40, value: arg });
  const found = h("div", { id: "verification-found" });
  const detail = h("div", { id: "verification-detail" });
  const form = h("form", { class: "filters", id: "verification-search", onsubmit: (ev) => { ev.preventDefault(); search(input.value.trim()); } },
    h("label", {}, "Verification id or external_id", input), h("button", { type: "submit" }, "Find"));
  root.append(h("h2", {}, "Verifications"), form, found, detail);

  async function search(q) {
    found.replaceChildren();
    detail.replaceChildren();
    if (!q) return;
    remember("verifications", q);
    if (idShape.test(q)) return show(q);
    try {
      const res = await api("/verifications?external_id=" + encodeURIComponent(q));
      if (!res.verifications.length) {
        found.replaceChildren(h("p", { class: "empty" }, `No verification has the id or external_id ${q}.`));
        return;
      }
      found.replaceChildren(h("table", { id: "verification-list" },
        h("thead", {}, h("tr", {}, ["Id", "External id", "Status", "Provider", "CURP", "NSS", "Created"].map((c) => h("th", {}, c)))),
        h("tbody", {}, res.verifications.map((v) => h("tr", { class: "clickable", onclick: () => show(v.id) },
          h("td", { class: "mono" }, v.id), h("td", {}, v.external_id), h("td", {}, status(v.status)), h("td", {}, v.provider),
          h("td", { class: "mono" }, v.curp), h("td", { class: "mono" }, v.nss || "—"), h("td", { class: "mono" }, time(v.created_at)))))));
      if (res.verifications.length === 1) show(res.verifications[0].id);
    } catch (err) {
      found.replaceChildren(errorBox(err));
    }
  }

  async function show(id) {
    detail.replaceChildren(h("p", { class: "note" }, "Loading…"));
    let v;
    try {
      // The person masked: the page shows what a report says, never whom
      // it names in full.
      v = await api("/verifications/" + encodeURIComponent(id) + "?mask=person");
    } catch (err) {
      detail.replaceChildren(err instanceof APIError && err.status === 404 ? h("p", { class: "empty" }, `No verification ${id}.`) : errorBox(err));
      return;
    }
    const problem = (e) => e ? [h("code", {}, e.code), " ", e.message, e.retryable ? " (retryable)" : ""] : "—";
    const parts = [
      h("h3", {}, `${v.id} `, status(v.status)),
      h("p", { class: "note" }, `provider ${v.provider} · created ${time(v.created_at)} · updated ${time(v.updated_at)}`),
      v.error ? h("p", { class: "error", id: "verification-error" }, problem(v.error)) : "",
      h("h3", {}, "Attempts"),
      h("table", { id: "attempts" }, h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "Provider"), h("th", {}, "Status"), h("th", {}, "Error"))),
        h("tbody", {}, v.attempts.map((a, i) => h("tr", {}, h("td", {}, i + 1), h("td", {}, a.provider), h("td", {}, status(a.status)), h("td", {}, problem(a.error)))))),
    ];
    if (v.report) parts.push(report(v.report));
    detail.replaceChildren(...parts);
  }

  if (arg) search(arg);
}

// report draws the normalized report: who, the jobs on a time axis, the
// insights beside them.
function report(r) {
  const jobs = r.jobs || [];
  const now = Date.now();
  const starts = jobs.map((j) => Date.parse(j.start_date)).filter((t) => !isNaN(t));
  const from = Math.min(now, ...starts), span = Math.max(1, now - from);
  const pos = (t) => ((t - from) / span) * 100;
  const timeline = h("div", { class: "timeline", id: "jobs" }, jobs.map((j) => {
    const start = Date.parse(j.start_date), end = j.end_date ? Date.parse(j.end_date) : now;
    const left = pos(start), width = Math.max(0.8, pos(end) - left);
    return h("div", { class: "job", dataset: { employer: j.employer || "" } },
      h("div", { class: "bar" + (j.current ? " current" : ""), style: { left: left + "%", width: width + "%" }, title: `${j.start_date} – ${j.end_date || "today"}` }),
      h("div", { class: "label", style: { left: Math.min(left, 60) + "%" } },
        h("strong", {}, j.employer || "unnamed employer"), ` · ${j.start_date} – ${j.end_date || "current"} · `,
        j.daily_salary ? `${j.daily_salary} ${j.currency || "MXN"} a day` : "no salary given"));
  }));
  const ins = r.insights || {};
  const rows = [
    ["employed now", ins.employed_now ? "yes" : "no"], ["current employer", ins.current_employer ?? "—"],
    ["monthly income estimate", ins.monthly_income_estimate ?? "—"], ["months in current job", ins.months_in_current_job ?? "—"],
    ["jobs, last 24 months", ins.jobs_last_24_months ?? "—"], ["gap months, last 24 months", ins.employment_gap_months_last_24_months ?? "—"],
    ["salary trend, 12 months", ins.salary_trend_12_months ?? "—"],
  ];
  const person = r.person || {}, weeks = r.weeks || {}, source = r.source || {};
  return h("div", { id: "report" },
    h("h3", {}, "Report"),
    h("p", { class: "note" }, `${person.name ?? "name unknown"} · CURP ${person.curp ?? "—"} · NSS ${person.nss ?? "—"} · weeks contributed ${weeks.contributed ?? "—"} · from ${source.provider ?? "?"} at ${time(source.retrieved_at)}`),
    h("div", { class: "split" },
      h("div", {}, h("h3", {}, `Jobs (${jobs.length})`), jobs.length ? timeline : h("p", { class: "empty" }, "none")),
      h("div", {}, h("h3", {}, "Insights"), h("table", { id: "insights" }, h("tbody", {}, rows.map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", { class: "mono" }, String(v)))))))));
}
