// The console's shell: the stage banner and one view per location hash.
import { h, stage, errorBox } from "./dom.js";
import * as events from "./events.js";

// The other views are loaded when first opened.
const views = {
  events: async () => events,
  reconciliations: () => import("./reconciliations.js"),
  verifications: () => import("./verifications.js"),
  accounts: () => import("./accounts.js"),
};
let stop = () => {};

async function show() {
  const [name, arg] = decodeURIComponent(location.hash.slice(1)).split("/", 2);
  const view = views[name] ? name : "events";
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.view === view);
  stop();
  stop = () => {};
  const root = document.getElementById("view");
  root.replaceChildren();
  try {
    stop = (await (await views[view]()).render(root, arg || "")) || (() => {});
  } catch (err) {
    root.replaceChildren(errorBox(err));
  }
}

async function banner() {
  const el = document.getElementById("stage");
  try {
    const st = await stage();
    el.replaceChildren(st.name, " · ",
      h("span", { class: "mode " + (st.write ? "write" : "read"), id: "mode" }, st.write ? "read-write" : "read-only"));
  } catch (err) {
    el.replaceChildren(errorBox(err));
  }
}

window.addEventListener("hashchange", show);
banner();
show();
