// The invitation batch's progress page, kept up to date without reloading the page (a
// <meta http-equiv="refresh"> would reload it under the reader: axe's `meta-refresh`). Every
// few seconds, while the tab is visible, ask the API how many e-mails have gone and update the
// count and the bar; stop once all are sent. Without JavaScript the page has a "Refresh" link.
const EVERY_MS = 3000;

function plural(n) {
  return n === 1 ? "" : "s";
}

for (const root of document.querySelectorAll("[data-batch-progress]")) {
  const text = root.querySelector("[data-batch-text]");
  const bar = root.querySelector("progress");
  const refresh = root.querySelector("[data-batch-refresh]");
  let shown = null;

  const update = async () => {
    if (document.hidden) return true;
    let data;
    try {
      const response = await fetch(root.dataset.progressUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return true;
      data = await response.json();
    } catch {
      return true; // offline for a moment: try again next time
    }
    const line = data.done
      ? `All ${data.total} e-mail${plural(data.total)} sent.`
      : `Sent ${data.sent} of ${data.total} e-mails…`;
    if (line !== shown) {
      // Only a change is written, so screen readers hear news, not the same line again.
      text.textContent = line;
      shown = line;
    }
    bar.max = Math.max(1, data.total);
    bar.value = data.sent;
    if (data.done) {
      root.dataset.done = "true";
      if (refresh) refresh.hidden = true;
      return false;
    }
    return true;
  };

  if (root.dataset.done !== "true") {
    shown = text.textContent.trim();
    if (refresh) refresh.hidden = true; // this page now updates itself
    const tick = async () => {
      if (await update()) setTimeout(tick, EVERY_MS);
    };
    setTimeout(tick, EVERY_MS);
  }
}
