// The header's notification counter and lists, kept live over /ws/notifications/, and a
// tutor's "Inbox: N waiting" on the home page. What a list shows comes from the server (a
// notification's item, an inbox's count, as the page renders them, fetched with live.js):
// nothing here builds an item's markup, so a live item reads exactly like one the page came
// with, date included.
import { fetchAllPages, fetchFragment, openLiveSocket, showToast, swapFragment } from "./live.js";

const badge = document.getElementById("notification-count");
const LISTS = "#notification-list, #home-notification-list";
// The notifications that change what waits in a cohort's tutor inbox.
const INBOX_KINDS = new Set(["question", "flag", "unanswered"]);
// Withdrawn while its item was being fetched: it is not put in.
const withdrawn = new Set();

function setCount(count) {
  if (!badge) return;
  badge.dataset.count = String(count);
  badge.firstChild.textContent = String(count);
  badge.hidden = count <= 0;
}

/** The notification's item as the server renders it, or null if it has gone. */
async function fetchItem(id) {
  const elements = await fetchFragment(`/notifications/${encodeURIComponent(id)}/item/`);
  return elements ? elements[0] : null;
}

/** Put the items of these notifications (newest first) at the top of each list on the page. */
async function prependItems(ids) {
  const lists = [...document.querySelectorAll(LISTS)];
  const wanted = ids.filter((id) => lists.some((l) => !l.querySelector(`[data-notification-id="${id}"]`)));
  if (!wanted.length) return;
  const items = await Promise.all(wanted.map(fetchItem));
  for (const list of lists) {
    for (let i = items.length - 1; i >= 0; i--) {
      const item = items[i];
      if (!item || withdrawn.has(item.dataset.notificationId)) continue;
      if (list.querySelector(`[data-notification-id="${item.dataset.notificationId}"]`)) continue;
      list.querySelector(".empty")?.remove();
      list.prepend(item.cloneNode(true));
    }
  }
}

// One fetch after another: items go in in the order they arrived.
let queue = Promise.resolve();
function enqueue(work) {
  queue = queue.then(work).catch((err) => console.error(err));
}

/** Fetch "Inbox: N waiting" again for a cohort's card (or every card, without one), as the
 * home page renders it, and swap it in by its id. */
function refreshInboxCounts(cohortId) {
  const selector = cohortId ? `[data-inbox-count-url][data-inbox-cohort="${cohortId}"]` : "[data-inbox-count-url]";
  for (const link of document.querySelectorAll(selector)) {
    swapFragment(link.dataset.inboxCountUrl).catch((err) => console.error(err));
  }
}

// Missed more than the server can replay: take the count and the newest from the API.
async function catchUp() {
  const { first, items } = await fetchAllPages("/api/v1/notifications", "notifications", 1);
  setCount(typeof first?.unread === "number" ? first.unread : items.filter((n) => !n.read).length);
  await prependItems(items.filter((n) => !n.read).map((n) => n.id));
  refreshInboxCounts(null);
}

openLiveSocket("/ws/notifications/", (message) => {
  if (message.type === "notification") {
    const n = message.notification;
    setCount(Number(badge?.dataset.count || 0) + 1);
    enqueue(() => prependItems([n.id]));
    if (INBOX_KINDS.has(n.kind)) refreshInboxCounts(n.cohort_id);
    showToast(n.title, n.url);
  } else if (message.type === "solution.saved") {
    // For the page that shows that solution (scenarios' solution.js): one socket per page.
    document.dispatchEvent(new CustomEvent("staffroom:solution-saved", { detail: message }));
  } else if (message.type === "notification.withdrawn") {
    withdrawn.add(String(message.id));
    const items = document.querySelectorAll(`[data-notification-id="${message.id}"]`);
    for (const item of items) {
      if (item.classList.contains("unread")) setCount(Math.max(0, Number(badge?.dataset.count || 0) - 1));
      item.remove();
      break;
    }
    for (const item of document.querySelectorAll(`[data-notification-id="${message.id}"]`)) item.remove();
    // A retracted question or flag may have left an inbox.
    refreshInboxCounts(null);
  }
}, { onResync: () => enqueue(catchUp) });

// Back to the home page from the history: the counts may have changed while it was away.
window.addEventListener("pageshow", (event) => {
  if (event.persisted) refreshInboxCounts(null);
});
