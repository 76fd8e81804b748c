// The tutor inbox, live: on each `inbox.updated` (over the cohort's dashboard socket) refetch
// GET /api/v1/cohorts/{id}/inbox and redraw the list. Without JavaScript the page still works.
import { openLiveSocket } from "./live.js";

const LABELS = { question: "Private question", flag: "Flagged post", unanswered: "No reply yet" };

function waited(seconds) {
  const hours = Math.floor(seconds / 3600);
  if (hours >= 48) return `${Math.floor(hours / 24)} days`;
  if (hours >= 1) return `${hours} hour${hours === 1 ? "" : "s"}`;
  const minutes = Math.max(0, Math.floor(seconds / 60));
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (input) return input.value;
  const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function renderItem(root, item) {
  const li = document.createElement("li");
  li.className = `inbox-item inbox-${item.kind}`;
  li.dataset.kind = item.kind;
  li.dataset.threadId = String(item.thread_id);
  if (item.post_id) li.dataset.postId = String(item.post_id);
  const kind = document.createElement("span");
  kind.className = "inbox-kind";
  kind.textContent = LABELS[item.kind] || item.kind;
  const link = document.createElement("a");
  link.href = item.url;
  link.textContent = item.title;
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = `by ${item.author}${item.detail ? `, ${item.detail}` : ""} · waiting ${waited(item.waited_seconds)}`;
  const form = document.createElement("form");
  form.method = "post";
  form.action = root.dataset.dismissUrl;
  form.className = "inline";
  const fields = { csrfmiddlewaretoken: csrfToken(), kind: item.kind, thread_id: item.thread_id };
  if (item.post_id) fields.post_id = item.post_id;
  for (const [name, value] of Object.entries(fields)) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = String(value);
    form.append(input);
  }
  const button = document.createElement("button");
  button.type = "submit";
  button.className = "secondary";
  button.textContent = item.kind === "flag" ? "Resolve" : "Dismiss";
  form.append(button);
  li.append(kind, " ", link, " ", meta, " ", form);
  return li;
}

async function refresh(root) {
  const response = await fetch(root.dataset.api, { credentials: "same-origin" });
  if (!response.ok) return;
  const items = await response.json();
  const list = root.querySelector("[data-inbox-items]");
  if (items.length) {
    list.replaceChildren(...items.map((item) => renderItem(root, item)));
  } else {
    const empty = document.createElement("li");
    empty.className = "empty";
    empty.textContent = "Nothing waits for a tutor.";
    list.replaceChildren(empty);
  }
  const count = root.querySelector("[data-inbox-count]");
  if (count) count.textContent = String(items.length);
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
