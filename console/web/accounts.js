// Accounts: a user's balances and statement from the ledger API, a
// negative balance shown as the debt it is.
import { h, remember, api, query, time, errorBox, APIError } from "./dom.js";

export async function render(root, arg) {
  const input = h("input", { name: "user", id: "account-user", placeholder: "u-demo", size: 30, value: arg });
  const out = h("div", { id: "account" });
  root.append(h("h2", {}, "Accounts"),
    h("form", { class: "filters", id: "account-search", onsubmit: (ev) => { ev.preventDefault(); show(input.value.trim()); } },
      h("label", {}, "User id", input), h("button", { type: "submit" }, "Show")),
    out);

  async function show(user) {
    out.replaceChildren();
    if (!user) return;
    remember("accounts", user);
    let cursor = null;
    const body = h("tbody", { id: "statement" });
    const more = h("button", { type: "button", id: "statement-more", onclick: () => page() }, "More");
    async function page() {
      more.disabled = true;
      try {
        const res = await api(`/ledger/accounts/${encodeURIComponent(user)}` + query({ limit: 50, cursor }));
        if (!cursor) {
          out.replaceChildren(
            h("h3", {}, "Balances"),
            res.balances.length ? h("table", { id: "balances" }, h("tbody", {}, res.balances.map((b) => {
              const debt = b.available.startsWith("-");
              return h("tr", { dataset: { currency: b.currency } }, h("th", {}, b.currency),
                h("td", { class: "num mono" + (debt ? " debt" : "") }, debt ? `debt of ${b.available.slice(1)}` : b.available),
                h("td", { class: "note" }, debt ? "the user owes this: debits went past the money in the account" : "available"));
            }))) : h("p", { class: "empty" }, "No balance: the ledger holds nothing for this user."),
            h("h3", {}, "Statement, newest first"),
            h("table", {}, h("thead", {}, h("tr", {}, ["Created", "Transaction", "Kind", "Amount", "Status", "Original"].map((c) => h("th", { class: c === "Amount" ? "num" : "" }, c)))), body),
            more);
        }
        for (const e of res.entries) {
          body.append(h("tr", {}, h("td", { class: "mono" }, time(e.created_at)), h("td", { class: "mono" }, e.transaction_id), h("td", {}, e.kind),
            h("td", { class: "num mono" }, `${e.amount} ${e.currency}`), h("td", {}, e.status), h("td", { class: "mono" }, e.original_transaction_id || "")));
        }
        cursor = res.next_cursor;
        more.hidden = !cursor;
      } catch (err) {
        out.append(err instanceof APIError && err.status === 404 ? h("p", { class: "empty" }, `No account ${user}.`) : errorBox(err));
      } finally {
        more.disabled = false;
      }
    }
    await page();
  }

  if (arg) show(arg);
}
