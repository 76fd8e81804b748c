// The group's shared solution, enhanced: when someone else in the group saves a newer version,
// say who and when, keep what this member is typing, and stop them submitting a stale copy
// (the server refuses it too). The event arrives on the page's /ws/notifications/ socket.
const form = document.querySelector("[data-solution-form]");
const notice = document.getElementById("solution-newer");

if (form && notice) {
  const groupId = Number(form.dataset.groupId);
  let shownVersion = Number(form.dataset.version || 0);
  document.addEventListener("staffroom:solution-saved", (event) => {
    const saved = event.detail;
    if (Number(saved.group_id) !== groupId || Number(saved.version) <= shownVersion) return;
    shownVersion = Number(saved.version);
    notice.replaceChildren();
    const text = document.createElement("span");
    text.textContent =
      `${saved.author} saved a newer version (version ${saved.version}, ${saved.saved_at_display}). ` +
      "Your text below is kept and not saved yet: copy what you want to keep, then ";
    const link = document.createElement("a");
    link.href = window.location.pathname + "#solution";
    link.textContent = "reload to see their version";
    link.addEventListener("click", (e) => {
      e.preventDefault();
      window.location.reload();
    });
    notice.append(text, link, document.createTextNode("."));
    notice.hidden = false;
    notice.dataset.version = String(saved.version);
    for (const button of document.querySelectorAll("[data-submit-solution] button")) {
      button.disabled = true;
      button.textContent = "Reload before submitting";
    }
  });
}
