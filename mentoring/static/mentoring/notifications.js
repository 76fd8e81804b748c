// The header's notification counter and lists, kept live over /ws/notifications/.
import { fetchAllPages, openLiveSocket, showToast } from "./live.js";

const badge = document.getElementById("notification-count");

function setCount(count) {
  if (!badge) return;
  badge.dataset.count = String(count);
  badge.firstChild.textContent = String(count);
  badge.hidden = count <= 0;
}

function renderItem(n) {
  const li = document.createElement("li");
  li.className = "notification unread";
  li.dataset.notificationId = n.id;
  const title = document.createElement("p");
  title.className = "notification-title";
  if (n.url) {
    const a = document.createElement("a");
    a.href = n.url;
    a.textContent = n.title;
    title.append(a);
  } else {
    title.textContent = n.title;
  }
  li.append(title);
  if (n.body) {
    const body = document.createElement("p");
    body.className = "notification-body";
    body.textContent = n.body;
    li.append(body);
  }
  return li;
}

// Missed more than the server can replay: take the count and the newest from the API.
async function catchUp() {
  const { first, items } = await fetchAllPages("/api/v1/notifications", "notifications", 1);
  setCount(typeof first?.unread === "number" ? first.unread : items.filter((n) => !n.read).length);
  for (const list of document.querySelectorAll("#notification-list, #home-notification-list")) {
    for (const n of [...items].reverse()) {
      if (n.read || list.querySelector(`[data-notification-id="${n.id}"]`)) continue;
      list.querySelector(".empty")?.remove();
      list.prepend(renderItem(n));
    }
  }
}

openLiveSocket("/ws/notifications/", (message) => {
  if (message.type === "notification") {
    const n = message.notification;
    setCount(Number(badge?.dataset.count || 0) + 1);
    for (const list of document.querySelectorAll("#notification-list, #home-notification-list")) {
      list.querySelector(".empty")?.remove();
      list.prepend(renderItem(n));
    }
    showToast(n.title, n.url);
  } else if (message.type === "solution.saved") {
    // For the page that shows that solution (scenarios' solution.js): one socket per page.
    document.dispatchEvent(new CustomEvent("staffroom:solution-saved", { detail: message }));
  } else if (message.type === "notification.withdrawn") {
    const items = document.querySelectorAll(`[data-notification-id="${message.id}"]`);
    for (const item of items) {
      if (item.classList.contains("unread")) setCount(Math.max(0, Number(badge?.dataset.count || 0) - 1));
      item.remove();
      break;
    }
    for (const item of document.querySelectorAll(`[data-notification-id="${message.id}"]`)) item.remove();
  }
}, { onResync: () => catchUp().catch((err) => console.error(err)) });
