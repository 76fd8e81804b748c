// @mention autocomplete for a textarea with `data-mention-url` and `data-mention-list` (the id
// of an empty `role="listbox"` the server put next to it). Plain ES module, no build step.
//
// Typing "@" and the start of a name asks the server for the people who can see this thread
// (`?q=`), as `role="option"` items it renders; the script only shows them and, on a choice,
// writes `@username` into the text. Keyboard: ArrowDown/ArrowUp choose, Enter or Tab insert,
// Escape closes. The textarea keeps the focus (`aria-activedescendant` names the chosen option).
import { announce, coalesce, fetchFragment } from "./live.js";

const MENTION_BEFORE_CARET = /(^|[\s([{'"])@([\w.+-]{0,50})$/;

function setUp(textarea) {
  const list = document.getElementById(textarea.dataset.mentionList);
  if (!list) return;
  textarea.setAttribute("aria-autocomplete", "list");
  textarea.setAttribute("aria-controls", list.id);
  let active = -1;
  let query = null;

  const options = () => [...list.querySelectorAll("[role=option]")];

  function close() {
    list.hidden = true;
    list.replaceChildren();
    active = -1;
    query = null;
    textarea.removeAttribute("aria-activedescendant");
  }

  function choose(index) {
    const all = options();
    if (!all.length) return;
    active = (index + all.length) % all.length;
    all.forEach((option, i) => option.setAttribute("aria-selected", i === active ? "true" : "false"));
    textarea.setAttribute("aria-activedescendant", all[active].id);
    all[active].scrollIntoView({ block: "nearest" });
  }

  function typedMention() {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const match = MENTION_BEFORE_CARET.exec(before);
    return match ? { prefix: match[2], start: before.length - match[2].length - 1 } : null;
  }

  function insert(option) {
    const typed = typedMention();
    if (!typed || !option) return close();
    const caret = textarea.selectionStart;
    const text = `@${option.dataset.username} `;
    textarea.value = textarea.value.slice(0, typed.start) + text + textarea.value.slice(caret);
    const at = typed.start + text.length;
    textarea.setSelectionRange(at, at);
    close();
    textarea.focus();
  }

  const lookUp = coalesce(async () => {
    const typed = typedMention();
    if (!typed) return close();
    if (typed.prefix === query) return;
    query = typed.prefix;
    const url = new URL(textarea.dataset.mentionUrl, window.location.href);
    url.searchParams.set("q", typed.prefix);
    const found = (await fetchFragment(url)) || [];
    if (typedMention()?.prefix !== typed.prefix) return; // typed on meanwhile: the next look-up
    list.replaceChildren(...found);
    list.hidden = found.length === 0;
    active = -1;
    textarea.removeAttribute("aria-activedescendant");
    if (found.length) choose(0);
    announce(found.length ? `${found.length} people to mention; arrow keys to choose, Enter to insert.` : "Nobody to mention by that name.");
  }, 150);

  textarea.addEventListener("input", () => (typedMention() ? lookUp() : close()));
  textarea.addEventListener("keydown", (event) => {
    if (list.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      choose(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" || event.key === "Tab") {
      if (active < 0) return;
      event.preventDefault();
      insert(options()[active]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  textarea.addEventListener("blur", () => setTimeout(() => document.activeElement !== textarea && close(), 150));
  // A pointer picks without taking the focus from the textarea.
  list.addEventListener("mousedown", (event) => event.preventDefault());
  list.addEventListener("click", (event) => insert(event.target.closest("[role=option]")));
}

for (const textarea of document.querySelectorAll("textarea[data-mention-url][data-mention-list]")) setUp(textarea);
