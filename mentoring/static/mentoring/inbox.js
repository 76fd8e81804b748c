// The tutor inbox, live: on each `inbox.updated` (over the cohort's dashboard socket) refetch
// the page this tab shows (same cursor) and swap in its list, count and pager, so the
// server's template stays the only place an item is drawn. Without JavaScript the page still
// works; a reload shows the same.
import { openLiveSocket } from "./live.js";

const PARTS = ["[data-inbox-items]", "[data-inbox-summary]", "[data-inbox-pager]"];

async function refresh(root) {
  const response = await fetch(window.location.href, {
    credentials: "same-origin",
    headers: { Accept: "text/html" },
  });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const selector of PARTS) {
    const now = root.querySelector(selector);
    const next = fresh.querySelector(`[data-inbox] ${selector}`);
    if (now && next) now.replaceWith(document.importNode(next, true));
  }
}

for (const root of document.querySelectorAll("[data-inbox]")) {
  const status = root.querySelector("[data-live-status]");
  openLiveSocket(
    `/ws/cohorts/${root.dataset.cohortId}/dashboard/`,
    (message) => {
      if (message.type === "inbox.updated") refresh(root);
    },
    {
      onResync: () => refresh(root),
      onReady() {
        root.dataset.live = "connected";
        if (status) status.dataset.connected = "true";
      },
    },
  );
}
