// Live updates: one small helper that keeps a websocket open and hands each JSON message to a
// callback, in order, once, with nothing missed.
//
// Every message on a stream carries `seq`, one more than the message before. The helper keeps
// the last seq it handed on; when the socket drops (network, server restart, Redis outage) it
// reconnects with back-off and `?since=<last seq>`, and the server replays what followed, or
// answers `resync` when it cannot: then `onResync` refetches what the page shows. A message
// whose seq skips ahead also triggers a reconnect with `?since=`. A ping every 25 s notices a
// connection that died silently. A close with 4403 means "not allowed": no reconnect.
const PING_EVERY_MS = 25000;
const PONG_WITHIN_MS = 10000;

export function openLiveSocket(path, onMessage, { onReady, onResync, onState } = {}) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  let delay = 500;
  let socket;
  let stopped = false;
  let lastSeq = null;
  let retry = null;
  let pinger = null;
  let pongDue = null;

  function url() {
    const sep = path.includes("?") ? "&" : "?";
    const since = lastSeq === null ? "" : `${sep}since=${lastSeq}`;
    return `${scheme}://${window.location.host}${path}${since}`;
  }

  function state(name) {
    if (onState) onState(name);
  }

  function reconnectSoon() {
    if (stopped || retry) return;
    // Full jitter, so a restarted server is not met by every page at once.
    const wait = Math.round(delay / 2 + Math.random() * (delay / 2));
    delay = Math.min(delay * 2, 15000);
    state("reconnecting");
    retry = setTimeout(() => {
      retry = null;
      connect();
    }, wait);
  }

  function handle(data) {
    if (data.type === "ready") {
      delay = 500;
      if (lastSeq === null && typeof data.seq === "number") lastSeq = data.seq;
      document.documentElement.dataset.live = (document.documentElement.dataset.live || "") + ` ${path}`;
      state("live");
      if (onReady) onReady();
      return;
    }
    if (data.type === "pong") {
      clearTimeout(pongDue);
      pongDue = null;
      return;
    }
    if (typeof data.seq !== "number") {
      onMessage(data);
      return;
    }
    if (data.type === "resync") {
      // Even to a lower seq: the server's log may have started afresh (a restored database).
      lastSeq = data.seq;
      if (onResync) onResync();
      return;
    }
    if (lastSeq !== null && data.seq <= lastSeq) return; // seen already
    if (lastSeq !== null && data.seq > lastSeq + 1) {
      // A gap: drop this socket and ask for what followed the last message we have.
      socket.close();
      return;
    }
    lastSeq = data.seq;
    onMessage(data);
  }

  function connect() {
    const current = new WebSocket(url());
    socket = current;
    current.addEventListener("message", (event) => {
      if (current !== socket) return;
      let data;
      try { data = JSON.parse(event.data); } catch { return; }
      handle(data);
    });
    current.addEventListener("open", () => {
      clearInterval(pinger);
      pinger = setInterval(() => {
        if (current.readyState !== WebSocket.OPEN) return;
        current.send(JSON.stringify({ type: "ping" }));
        if (!pongDue) pongDue = setTimeout(() => current.close(), PONG_WITHIN_MS);
      }, PING_EVERY_MS);
    });
    current.addEventListener("close", (event) => {
      if (current !== socket) return;
      clearInterval(pinger);
      clearTimeout(pongDue);
      pongDue = null;
      if (stopped) return;
      if (event.code === 4403) {
        state("forbidden");
        return;
      }
      reconnectSoon();
    });
  }

  // Back online, or back to the tab: try now rather than at the end of the back-off.
  function nudge() {
    if (stopped || !retry) return;
    clearTimeout(retry);
    retry = null;
    delay = 500;
    connect();
  }
  window.addEventListener("online", nudge);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") nudge();
  });

  connect();
  return {
    close() {
      stopped = true;
      clearTimeout(retry);
      clearInterval(pinger);
      socket.close();
    },
    get lastSeq() {
      return lastSeq;
    },
  };
}

/** GET a JSON API URL and every page after it (`next` in the body or a Link header). */
export async function fetchAllPages(url, listKey, maxPages = Infinity) {
  const items = [];
  let next = url;
  let first = null;
  for (let pages = 0; next && pages < maxPages; pages += 1) {
    const response = await fetch(next, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`${next}: ${response.status}`);
    const data = await response.json();
    if (first === null) first = data;
    const page = Array.isArray(data) ? data : data[listKey] || [];
    items.push(...page);
    const link = response.headers.get("Link") || "";
    const fromHeader = /<([^>]+)>;\s*rel="next"/.exec(link);
    next = (!Array.isArray(data) && data.next) || (fromHeader ? fromHeader[1] : null);
  }
  return { first, items };
}

export function showToast(text, href) {
  const box = document.getElementById("live-toasts");
  if (!box) return;
  const toast = document.createElement("div");
  toast.className = "toast";
  toast.setAttribute("role", "status");
  if (href) {
    const link = document.createElement("a");
    link.href = href;
    link.textContent = text;
    toast.append(link);
  } else {
    toast.textContent = text;
  }
  box.append(toast);
  setTimeout(() => toast.remove(), 8000);
}

// --- Drawing a live change ------------------------------------------------------------------
// One way for every page: an event only says *what* changed; the page asks the server for that
// part as the page's own template include renders it, and puts it in place. Nothing in the
// scripts draws an item, a date, a count or a chart, so a live page reads exactly like a fresh
// one, and without JavaScript a reload shows the same.

/** GET a server-rendered fragment: its top-level elements, or null when it has gone (404). */
export async function fetchFragment(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  const template = document.createElement("template");
  template.innerHTML = (await response.text()).trim(); // the server's own markup, escaped there
  return [...template.content.children];
}

// Where `el` sits under `root`, as a selector that finds the same place in a fresh copy: by id
// or `data-key` where there is one, else by position.
function placeOf(el, root) {
  const steps = [];
  for (let node = el; node && node !== root; node = node.parentElement) {
    if (node.id) return [`#${CSS.escape(node.id)}`, ...steps].join(" > ");
    if (node.dataset.key) return [`[data-key="${CSS.escape(node.dataset.key)}"]`, ...steps].join(" > ");
    const tag = node.localName;
    const nth = [...node.parentElement.children].filter((c) => c.localName === tag).indexOf(node) + 1;
    steps.unshift(`${tag}:nth-of-type(${nth})`);
  }
  return steps.length ? `:scope > ${steps.join(" > ")}` : ":scope";
}

function find(root, selector) {
  if (selector === ":scope") return root;
  try {
    return root.querySelector(selector);
  } catch {
    return null;
  }
}

/** Put `fresh` in place of `old`, keeping what the reader was doing there: the focus, open
 * disclosures, ticked boxes and typed text come over to the same place in the new copy. */
export function replaceKeepingState(old, fresh) {
  for (const details of old.querySelectorAll("details[open]")) {
    find(fresh, placeOf(details, old))?.setAttribute("open", "");
  }
  for (const field of old.querySelectorAll("input, textarea")) {
    const twin = find(fresh, placeOf(field, old));
    if (!twin) continue;
    if (field.checked !== field.defaultChecked) twin.checked = field.checked;
    const typed = !["hidden", "file"].includes(field.type) && field.value !== field.defaultValue;
    if (typed) twin.value = field.value;
  }
  const active = document.activeElement;
  const focused = active && old.contains(active) ? placeOf(active, old) : null;
  old.replaceWith(fresh);
  if (focused) find(fresh, focused)?.focus();
  return fresh;
}

/** Say `text` politely to screen readers, in `region` or the page's shared live region. */
export function announce(text, region = null) {
  let box = region || document.getElementById("live-announcer");
  if (!box) {
    box = document.createElement("p");
    box.id = "live-announcer";
    box.className = "visually-hidden";
    box.setAttribute("role", "status");
    document.body.append(box);
  }
  box.textContent = text;
}

/**
 * Draw a live change: fetch `url` (a fragment of the page, rendered by the server with the
 * page's own include) and put each of its elements in the page: in place of the element with
 * the same id, keeping focus and open disclosures; one the page does not have yet goes into
 * `into` (an element) at `where` ("afterbegin" or "beforeend"), or nowhere without one.
 * `announce` is said politely once it is in. Returns the elements now in the page, or null
 * when the fragment has gone (404).
 */
export async function swapFragment(url, { into = null, where = "afterbegin", announce: text = "", region = null } = {}) {
  const elements = await fetchFragment(url);
  if (elements === null) return null;
  const placed = [];
  const added = [];
  for (const fresh of elements) {
    const old = fresh.id ? document.getElementById(fresh.id) : null;
    // Unchanged: left as it is (no focus moved, nothing said again to a screen reader).
    if (old && old.isEqualNode(fresh)) placed.push(old);
    else if (old) placed.push(replaceKeepingState(old, fresh));
    else if (into) added.push(fresh);
  }
  // Inserted in the fragment's order, whichever end they go to.
  if (where === "afterbegin") added.reverse();
  for (const fresh of added) placed.push(into.insertAdjacentElement(where, fresh));
  if (text && placed.length) announce(text, region);
  return placed;
}

/**
 * `task` run at most once per `waitMs`, and never twice at once: calls during a wait or a run
 * are folded into one more run afterwards. A burst of events costs one or two fetches, and an
 * older answer never lands after a newer one.
 */
export function coalesce(task, waitMs = 300) {
  let timer = null;
  let running = false;
  let again = false;
  async function run() {
    timer = null;
    running = true;
    again = false;
    try {
      await task();
    } catch (err) {
      console.error(err);
    } finally {
      running = false;
      if (again) trigger();
    }
  }
  function trigger() {
    if (running) {
      again = true;
      return;
    }
    if (!timer) timer = setTimeout(run, waitMs);
  }
  return trigger;
}
