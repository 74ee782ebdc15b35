// What every view uses: building elements, calling the APIs, confirming an
// action. Every text the page shows goes through textContent: nothing an
// API answers is ever parsed as HTML.

// h builds an element: h("td", {class: "num"}, "12", child, ...).
export function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(e.dataset, v);
    else if (k === "style") Object.assign(e.style, v); // the CSSOM, which the page's CSP allows
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  append(e, children);
  return e;
}

function append(e, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(e, c);
    else e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// svg builds an SVG element.
export function svg(tag, attrs, ...children) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  append(e, children);
  return e;
}

// APIError is an API's error answer: {"error":{"code","message"}}.
export class APIError extends Error {
  constructor(status, code, message) {
    super(`${status} ${code}: ${message}`);
    this.status = status;
    this.code = code;
  }
}

// api calls one of the functions' routes on this origin and returns its
// JSON answer, or throws an APIError.
export async function api(path, options = {}) {
  const init = { method: options.method || "GET", headers: { Accept: "application/json" } };
  if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    init.headers["Content-Type"] = "application/json";
  }
  const res = await fetch(path, init);
  return parse({ ok: res.ok, status: res.status, text: await res.text() });
}

// parse reads an API's answer, {ok, status, text}: its JSON, or it throws
// an APIError.
export function parse({ ok, status, text }) {
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: reported below */ }
  if (!ok) {
    const e = json && json.error;
    throw new APIError(status, e ? e.code : "HTTP_" + status, e ? e.message : text.slice(0, 200));
  }
  if (json === null && text) throw new APIError(status, "NOT_JSON", "the answer is not JSON");
  return json;
}

// query writes the non-empty values of params as a query string.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? "?" + s : "";
}

// confirmAction asks before an action and resolves true when confirmed.
export function confirmAction(text) {
  const d = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent = text;
  return new Promise((resolve) => {
    d.addEventListener("close", () => resolve(d.returnValue === "ok"), { once: true });
    d.returnValue = "";
    d.showModal();
  });
}

// errorBox shows an error where a view's content would be.
export function errorBox(err) {
  return h("p", { class: "error", role: "alert" }, err instanceof Error ? err.message : String(err));
}

export function status(s, cls) {
  return h("span", { class: "status " + (cls || s) }, s);
}

// time writes an RFC 3339 time in the browser's zone, to the second.
export function time(s) {
  if (!s) return "";
  const d = new Date(s);
  if (isNaN(d)) return s;
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// isoDate writes a Date's calendar day (in the browser's zone) YYYY-MM-DD.
export function isoDate(d) {
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

// stage is where the page runs: {name, write}, read once.
let stagePromise;
export function stage() {
  stagePromise ||= api("/console/stage.json");
  return stagePromise;
}

// actionButton is a button for an action that changes something: enabled
// once the stage says the console may write, else disabled with the reason.
export function actionButton(label, onclick) {
  const b = h("button", { type: "button", class: "primary", onclick, disabled: true }, label);
  stage().then((st) => {
    b.disabled = !st.write;
    if (!st.write) b.title = "read-only: start make console with WRITE=1 to allow actions";
  }, () => { b.title = "the console's stage could not be read"; });
  return b;
}

// remember puts what a view shows in the location hash, for a link or a
// reload to show it again; a view the user has left since changes nothing.
export function remember(view, arg) {
  if ((location.hash.slice(1).split("/", 1)[0] || "events") !== view) return;
  history.replaceState(null, "", `#${view}/${encodeURIComponent(arg)}`);
}
