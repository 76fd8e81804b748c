// The tutor inbox, live: on each `inbox.updated` (over the cohort's dashboard socket) fetch the
// list region of the page this tab shows (`inbox:items`, same cursor) and swap it in by its id
// (live.js `swapFragment`), so the server's include stays the only place an item is drawn.
// Without JavaScript the page still works; a reload shows the same.
import { coalesce, openLiveSocket, swapFragment } from "./live.js";

for (const root of document.querySelectorAll("[data-inbox]")) {
  const status = root.querySelector("[data-live-status]");
  const refresh = coalesce(() => {
    const url = new URL(root.dataset.itemsUrl, window.location.href);
    url.search = window.location.search;
    return swapFragment(url, { announce: "The inbox has changed." });
  }, 150);
  openLiveSocket(
    `/ws/cohorts/${root.dataset.cohortId}/dashboard/`,
    (message) => {
      if (message.type === "inbox.updated") refresh();
    },
    {
      onResync: refresh,
      onReady() {
        root.dataset.live = "connected";
        if (status) status.dataset.connected = "true";
      },
    },
  );
}
