// Live thread page: posts appear, change and go without a reload, and the author sees how long
// they may still edit or retract. Plain ES module, no build step.
//
// The socket only says *which* post changed; the page then asks the server for that post as
// this reader may see it (anonymous authors, hidden posts, own-post buttons are decided there),
// so nothing about who may see what is reimplemented here.

import { announce as say, fetchAllPages, fetchFragment, openLiveSocket, replaceKeepingState } from "./live.js";

const thread = document.querySelector("[data-thread-id]");

function postItem(postId) {
  return document.getElementById(`post-${postId}`);
}

async function fetchArticle(postId) {
  const url = thread.dataset.fragmentUrl.replace("/0/fragment", `/${postId}/fragment`);
  const elements = await fetchFragment(url);
  return elements ? elements[0] : null;
}

function newItem(postId, replyTo) {
  const item = document.createElement("li");
  item.className = "post-item";
  item.id = `post-${postId}`;
  item.dataset.postId = String(postId);
  if (replyTo) item.dataset.replyTo = String(replyTo);
  const replies = document.createElement("ol");
  replies.className = "replies";
  item.append(replies);
  return item;
}

function placeFor(replyTo) {
  if (replyTo) {
    const parent = postItem(replyTo);
    if (parent) return parent.querySelector(":scope > ol.replies");
  }
  return thread.querySelector("ol.posts");
}

function setArticle(item, article) {
  const old = item.querySelector(":scope > article");
  if (old) replaceKeepingState(old, article);
  else item.prepend(article);
  startCountdowns(item);
}

// Long threads are paged: new posts belong on the last page. Elsewhere the page only says
// that there are newer posts, with a link, rather than growing a page that is not the end.
function onLastPage() {
  return thread.dataset.lastPage !== "0";
}

function showNewerPosts() {
  const notice = document.getElementById("newer-posts");
  if (notice) notice.hidden = false;
  announce("New posts have arrived on the last page.");
}

async function onCreated(post) {
  if (postItem(post.id)) return; // our own post, already on the page after the redirect
  if (!onLastPage()) {
    showNewerPosts();
    return;
  }
  const article = await fetchArticle(post.id);
  if (!article || postItem(post.id)) return;
  const item = newItem(post.id, post.reply_to);
  placeFor(post.reply_to).append(item);
  setArticle(item, article);
  item.classList.add("post-new");
  announce("A new post has arrived.");
}

async function onChanged(post) {
  const item = postItem(post.id);
  if (!item) return;
  const article = await fetchArticle(post.id);
  if (article) setArticle(item, article);
  else item.remove();
}

async function onRetracted(post) {
  const item = postItem(post.id);
  if (!item) return;
  if (!post.tombstone) {
    item.remove();
    return;
  }
  const article = await fetchArticle(post.id);
  if (article) setArticle(item, article);
  else item.remove();
}

function announce(text) {
  say(text, document.getElementById("thread-status"));
}

// --- Countdown of the grace period ----------------------------------------------------------
// The server's clock decides; the page only shows it. ``data-server-now`` corrects for a
// client clock that is off.
const serverNow = Date.parse(thread?.dataset.serverNow ?? "");
const skew = Number.isNaN(serverNow) ? 0 : serverNow - Date.now();

function format(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

function tick(box) {
  const left = Date.parse(box.dataset.editableUntil) - (Date.now() + skew);
  const label = box.querySelector(".countdown");
  if (left <= 0) {
    box.querySelectorAll(".grace-action").forEach((el) => el.remove());
    if (label) label.textContent = "The time to edit or retract this post has passed.";
    box.classList.add("grace-over");
    return false;
  }
  if (label) label.textContent = `${format(left)} left to edit or retract`;
  return true;
}

function startCountdowns(root = document) {
  root.querySelectorAll("[data-editable-until]").forEach((box) => {
    if (box.dataset.counting) return;
    box.dataset.counting = "1";
    if (!tick(box)) return;
    const timer = setInterval(() => {
      if (!box.isConnected || !tick(box)) clearInterval(timer);
    }, 250);
  });
}

// --- Pinned and locked ----------------------------------------------------------------------
// A tutor pinned, unpinned, locked or unlocked the thread: the page fetches what that changes
// (`thread_state`: badges, the tutors' buttons, the notice, the reply form) as the server draws
// it for this reader, and puts each part in place by its id. The reply form is not redrawn but
// hidden while the thread is locked, so whatever a member was writing is still there if a tutor
// unlocks it; a page opened while it was locked gets the fresh form after the notice.
const CHANGES = [
  ["pinned", "1", "A tutor pinned this thread to the top of its board."],
  ["pinned", "0", "This thread is no longer pinned."],
  ["locked", "1", "A tutor locked this thread: no new posts can be added."],
  ["locked", "0", "A tutor unlocked this thread: you can reply again."],
];

async function onModerated() {
  const elements = await fetchFragment(thread.dataset.stateUrl);
  if (!elements) return;
  const before = { ...(document.getElementById("thread-badges")?.dataset ?? {}) };
  let freshReply = null;
  for (const fresh of elements) {
    if (fresh.id === "reply") {
      freshReply = fresh;
      continue;
    }
    const old = fresh.id ? document.getElementById(fresh.id) : null;
    if (old && !old.isEqualNode(fresh)) replaceKeepingState(old, fresh);
  }
  const reply = document.getElementById("reply");
  if (reply) reply.hidden = !freshReply;
  else if (freshReply) document.getElementById("thread-notice")?.after(freshReply);
  const after = document.getElementById("thread-badges")?.dataset ?? {};
  const said = CHANGES.filter(([key, value]) => before[key] !== value && after[key] === value);
  if (said.length) announce(said.map(([, , text]) => text).join(" "));
}

// --- Socket ---------------------------------------------------------------------------------
const handlers = {
  "post.created": onCreated,
  "post.edited": onChanged,
  "post.hidden": onChanged,
  "post.retracted": onRetracted,
  // A reaction given or taken back: the post again, as this reader may see who reacted.
  "post.reacted": onChanged,
};

// Messages are handled one after another, so a reply never lands before the post it answers.
let queue = Promise.resolve();
function run(task) {
  queue = queue.then(task).catch((err) => console.error(err));
  return queue;
}

function onMessage(message) {
  if (message.type === "thread.moderated") {
    run(onModerated);
    return;
  }
  const handle = handlers[message.type];
  if (handle && message.post) run(() => handle(message.post));
}

// The server could not replay what this page missed (too much, or too long ago): ask the API
// for the thread and bring the page level with it — posts after the last one shown appear,
// posts that went away go.
async function catchUp() {
  const apiUrl = `/api/v1/threads/${thread.dataset.threadId}`;
  const { items } = await fetchAllPages(apiUrl, "posts");
  const known = new Set(items.map((post) => String(post.id)));
  const shown = [...thread.querySelectorAll("li.post-item[data-post-id]")];
  const lastShown = Math.max(0, ...shown.map((item) => Number(item.dataset.postId)));
  for (const post of items) {
    if (post.id > lastShown && !postItem(post.id)) {
      await onCreated({ id: post.id, reply_to: post.reply_to });
    }
  }
  for (const item of thread.querySelectorAll("li.post-item[data-post-id]")) {
    if (!known.has(item.dataset.postId)) item.remove();
  }
  await onModerated(); // a lock missed meanwhile
}

// --- Reactions ------------------------------------------------------------------------------
// A reaction button posts its form in the background (without JavaScript the page reloads at
// the post); then the post is fetched again as the server draws it, the focus kept on the button.
async function react(form, button) {
  const body = new FormData(form);
  body.set("kind", button.value);
  await fetch(form.action, { method: "POST", body, credentials: "same-origin", redirect: "manual" });
  const item = form.closest("li.post-item");
  if (item) await onChanged({ id: item.dataset.postId });
}

function onReactionClick(event) {
  const button = event.target.closest("form[data-reaction-form] button[name=kind]");
  if (!button) return;
  event.preventDefault();
  button.focus();
  run(() => react(button.form, button));
}

if (thread) {
  thread.addEventListener("click", onReactionClick);
  startCountdowns();
  if (thread.dataset.wsPath && "WebSocket" in window) {
    openLiveSocket(thread.dataset.wsPath, onMessage, {
      onReady: () => {
        thread.dataset.live = "1";
      },
      onResync: () => run(catchUp),
    });
  }
}

export { format, startCountdowns };
