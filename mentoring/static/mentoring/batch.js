// The invitation batch's progress page, kept up to date without reloading the page (a
// <meta http-equiv="refresh"> would reload it under the reader: axe's `meta-refresh`). Every
// few seconds, while the tab is visible, fetch the page's sentence and bar as the server
// renders them (`invitation_batch_progress`) and swap them in (live.js `swapFragment`, which
// leaves an unchanged sentence alone, so screen readers hear news, not the same line again);
// stop once all are sent. Without JavaScript the page has a "Refresh" link.
import { swapFragment } from "./live.js";

const EVERY_MS = 3000;

for (const root of document.querySelectorAll("[data-batch-progress]")) {
  const refresh = root.querySelector("[data-batch-refresh]");

  const update = async () => {
    if (document.hidden) return true;
    try {
      await swapFragment(root.dataset.progressUrl);
    } catch {
      return true; // offline for a moment: try again next time
    }
    if (document.getElementById("batch-progress-text")?.dataset.done === "true") {
      root.dataset.done = "true";
      if (refresh) refresh.hidden = true;
      return false;
    }
    return true;
  };

  if (root.dataset.done !== "true") {
    if (refresh) refresh.hidden = true; // this page now updates itself
    const tick = async () => {
      if (await update()) setTimeout(tick, EVERY_MS);
    };
    setTimeout(tick, EVERY_MS);
  }
}
