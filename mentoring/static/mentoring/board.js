// A board, live: when a thread is published on it (`board.updated` on /ws/boards/{id}/), say so
// above the list with a link that shows it. The list does not move under the reader, and a
// board open in a thousand tabs is not fetched a thousand times at once: each reader fetches it
// when they choose. "Show them" swaps in the board's first page of threads and leaves the rest
// of the page alone (a thread being written below keeps its text). Without JavaScript the link
// opens the board; a reload shows the same.
import { openLiveSocket } from "./live.js";

async function showNewThreads(root) {
  const response = await fetch(root.dataset.boardUrl, {
    credentials: "same-origin",
    headers: { Accept: "text/html" },
  });
  if (!response.ok) {
    window.location.assign(root.dataset.boardUrl);
    return;
  }
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  const list = fresh.querySelector("[data-board-live]");
  if (!list) return;
  root.replaceChildren(...[...list.childNodes].map((node) => document.importNode(node, true)));
  if (window.location.search) history.replaceState(null, "", root.dataset.boardUrl);
  const first = root.querySelector(".thread-list a");
  if (first) first.focus();
}

function announce(root) {
  const news = root.querySelector("[data-board-news]");
  if (!news || news.childElementCount) return;
  const link = document.createElement("a");
  link.href = root.dataset.boardUrl;
  link.textContent = "Show them";
  link.addEventListener("click", (event) => {
    event.preventDefault();
    showNewThreads(root);
  });
  news.append("New threads on this board. ", link);
}

for (const root of document.querySelectorAll("[data-board-live]")) {
  openLiveSocket(
    `/ws/boards/${root.dataset.boardId}/`,
    (message) => {
      if (message.type === "board.updated") announce(root);
    },
    {
      onResync: () => announce(root),
      onReady() {
        root.dataset.live = "connected";
      },
    },
  );
}
