// Quote a selection: with text of a post selected, its Quote link quotes just that text. The
// link gains &text=<the selection>; the server quotes it only if it really is in that post as
// the reader sees it (else the whole post, as without JavaScript). Nothing is rendered here.
const MAX = 1500;

function selectionIn(body) {
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed || !selection.rangeCount) return "";
  const range = selection.getRangeAt(0);
  if (!body.contains(range.commonAncestorContainer)) return "";
  return selection.toString().trim().slice(0, MAX);
}

// Pressing the link can clear the selection before "click" fires: remember it on the way down.
let remembered = { post: null, text: "" };
const thread = document.getElementById("thread");

if (thread) {
  const remember = (event) => {
    const link = event.target.closest?.(".quote-link");
    if (!link) return;
    const post = link.closest("[data-post-id]");
    const body = post?.querySelector(".post-body");
    remembered = { post, text: body ? selectionIn(body) : "" };
  };
  thread.addEventListener("pointerdown", remember, true);
  thread.addEventListener("keydown", (event) => {
    if (event.key === "Enter") remember(event);
  }, true);
  thread.addEventListener("click", (event) => {
    const link = event.target.closest?.(".quote-link");
    if (!link) return;
    const post = link.closest("[data-post-id]");
    const body = post?.querySelector(".post-body");
    let text = body ? selectionIn(body) : "";
    if (!text && remembered.post === post) text = remembered.text;
    remembered = { post: null, text: "" };
    link.dataset.href ||= link.getAttribute("href");
    const url = new URL(link.dataset.href, window.location.href);
    if (text) url.searchParams.set("text", text); // else the whole post, as the link says
    link.href = url.toString();
  }, true);
}
