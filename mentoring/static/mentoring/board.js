// A board, live: when a thread is published on it (`board.updated` on /ws/boards/{id}/), say so
// above the list with a link that shows it. The list does not move under the reader, and a
// board open in a thousand tabs is not fetched a thousand times at once: each reader fetches it
// when they choose. "Show them" swaps in the board's first page of threads (`board_threads`,
// the page's own include, by id: live.js `swapFragment`) and leaves the rest of the page alone
// (a thread being written below keeps its text). Without JavaScript the link opens the board;
// a reload shows the same.
//
// A tutor pinning, unpinning, locking or unlocking a thread (`thread.moderated`) changes the
// order and the badges of threads already listed: on the board's first page the list is fetched
// again and swapped in at once (a burst of them costs one fetch); further back the page offers
// to show the first page, as for new threads.
import { coalesce, openLiveSocket, swapFragment } from "./live.js";

async function showNewThreads(root, news) {
  let placed = null;
  try {
    placed = await swapFragment(root.dataset.threadsUrl);
  } catch (err) {
    console.error(err);
  }
  if (!placed) {
    window.location.assign(root.dataset.boardUrl);
    return;
  }
  news.replaceChildren();
  if (window.location.search) history.replaceState(null, "", root.dataset.boardUrl);
  root.querySelector(".thread-list a")?.focus();
}

function offer(root, text = "New threads on this board. ") {
  const news = root.querySelector("[data-board-news]");
  if (!news || news.childElementCount) return;
  const link = document.createElement("a");
  link.href = root.dataset.boardUrl;
  link.textContent = "Show them";
  link.addEventListener("click", (event) => {
    event.preventDefault();
    showNewThreads(root, news);
  });
  news.append(text, link);
}

function onFirstPage() {
  return !new URLSearchParams(window.location.search).has("cursor");
}

async function refreshList(root) {
  const placed = await swapFragment(root.dataset.threadsUrl, {
    announce: "The list of threads was updated: a tutor pinned, unpinned, locked or unlocked one.",
  });
  if (placed === null) window.location.assign(root.dataset.boardUrl);
}

for (const root of document.querySelectorAll("[data-board-live]")) {
  const refresh = coalesce(() => refreshList(root));
  openLiveSocket(
    `/ws/boards/${root.dataset.boardId}/`,
    (message) => {
      if (message.type === "board.updated") offer(root);
      if (message.type !== "thread.moderated") return;
      if (onFirstPage()) refresh();
      else offer(root, "Threads on this board were pinned or locked. ");
    },
    {
      onResync: () => offer(root),
      onReady() {
        root.dataset.live = "connected";
      },
    },
  );
}
