// A board, live: when a thread is published on it (`board.updated` on /ws/boards/{id}/), say so
// above the list with a link that shows it. The list does not move under the reader, and a
// board open in a thousand tabs is not fetched a thousand times at once: each reader fetches it
// when they choose. Without JavaScript the page still works; a reload shows the same.
import { openLiveSocket } from "./live.js";

function announce(root) {
  const news = root.querySelector("[data-board-news]");
  if (!news || news.childElementCount) return;
  const link = document.createElement("a");
  link.href = root.dataset.boardUrl;
  link.textContent = "Show them";
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
