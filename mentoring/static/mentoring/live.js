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
