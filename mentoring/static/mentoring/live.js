// Live updates: one small helper that keeps a websocket open, with back-off, and hands each
// JSON message to a callback. A close with 4403 means "not allowed": no reconnect.
export function openLiveSocket(path, onMessage, { onReady } = {}) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  let delay = 500;
  let socket;
  let stopped = false;
  function connect() {
    socket = new WebSocket(`${scheme}://${window.location.host}${path}`);
    socket.addEventListener("message", (event) => {
      let data;
      try { data = JSON.parse(event.data); } catch { return; }
      if (data.type === "ready") {
        delay = 500;
        document.documentElement.dataset.live = (document.documentElement.dataset.live || "") + ` ${path}`;
        if (onReady) onReady();
        return;
      }
      onMessage(data);
    });
    socket.addEventListener("close", (event) => {
      if (stopped || event.code === 4403) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    });
  }
  connect();
  return { close() { stopped = true; socket.close(); } };
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
