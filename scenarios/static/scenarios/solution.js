// The group's shared solution, enhanced: when someone in the group saves a newer version, the
// history list follows (the server's fragment, swapped in by live.js `swapFragment`). With the
// live editor running (the build's solution-editor.js) the new text arrives in the editor
// itself; without it, this page holds a copy in a form: say who saved and when, keep what this
// member is typing, and stop them submitting a stale copy (the server refuses it too). The
// event arrives on the page's /ws/notifications/ socket and only says which version is now the
// latest; the sentence, names and date come from the server (`scenarios:solution_newer`).
import { swapFragment } from "../mentoring/live.js";

const form = document.querySelector("[data-solution-form]");
const notice = document.getElementById("solution-newer");
const historySection = document.querySelector("[data-history-url]");
const editorRunning = () => document.querySelector("[data-solution-editor][data-editor-ready]");

if (form && notice) {
  const groupId = Number(form.dataset.groupId);
  const shownVersion = Number(form.dataset.version || 0);
  let latest = shownVersion;

  async function showNewer() {
    const url = new URL(form.dataset.newerUrl, window.location.href);
    url.searchParams.set("version", String(shownVersion));
    const placed = await swapFragment(url);
    const text = placed?.[0];
    if (!text?.dataset.version) return;
    notice.hidden = false;
    notice.dataset.version = text.dataset.version;
    text.querySelector("[data-reload]")?.addEventListener("click", (event) => {
      event.preventDefault();
      window.location.reload();
    });
    staleSubmit();
  }

  // The version this page would submit is no longer the latest.
  function staleSubmit() {
    for (const button of document.querySelectorAll("[data-submit-solution] button")) {
      button.disabled = true;
      button.textContent = "Reload before submitting";
    }
  }

  document.addEventListener("staffroom:solution-saved", (event) => {
    const saved = event.detail;
    if (Number(saved.group_id) !== groupId || Number(saved.version) <= latest) return;
    latest = Number(saved.version);
    if (historySection) {
      const url = new URL(historySection.dataset.historyUrl, window.location.href);
      swapFragment(url).catch((err) => console.error(err));
    }
    if (editorRunning()) staleSubmit();
    else showNewer().catch((err) => console.error(err));
  });
}
