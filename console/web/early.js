// Loaded before the modules: asks for the first page of events at once when
// the Events view opens the page, so that the list does not wait for the
// page's scripts; events.js takes the answer, already read when it is there
// first, and draws it before the page's first paint.
"use strict";
(function () {
  const view = location.hash.slice(1).split("/", 1)[0];
  if (view !== "" && view !== "events") return;
  // The request index.html preloads, taken as it is.
  window.firstEvents = fetch("/webhooks/events?limit=50")
    .then(async (res) => {
      const read = { ok: res.ok, status: res.status, text: await res.text() };
      window.firstEventsRead = read;
      return read;
    });
})();
