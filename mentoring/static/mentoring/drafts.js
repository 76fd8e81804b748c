// Drafts: what is typed in the reply box (or the new-thread form) is saved on the server a
// moment after typing stops, so a closed tab or a crash loses nothing; the page puts a saved
// draft back in the box when it is rendered (no JavaScript needed for that). Emptying the box
// forgets the draft; posting deletes it on the server.
const WAIT_MS = 1500;

for (const form of document.querySelectorAll("form[data-draft-url]")) {
  const body = form.querySelector("textarea[name=body]");
  const title = form.querySelector("input[name=title]");
  const replyTo = form.querySelector("input[name=reply_to]");
  const status = form.querySelector("#draft-status");
  if (!body) continue;
  let timer = null;
  let saved = JSON.stringify([title?.value ?? "", body.value, replyTo?.value ?? ""]);
  let submitting = false;

  const save = async () => {
    timer = null;
    if (submitting) return;
    const current = JSON.stringify([title?.value ?? "", body.value, replyTo?.value ?? ""]);
    if (current === saved) return;
    const data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    data.append("body", body.value);
    if (title) data.append("title", title.value);
    if (replyTo) data.append("reply_to", replyTo.value);
    try {
      const response = await fetch(form.dataset.draftUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      });
      if (response.ok) {
        saved = current;
        // "Draft saved at 11:20." from the server (its clock, its time zone); empty: forgotten.
        status.textContent = response.status === 204 ? "" : await response.text();
      } else if (response.status === 429) {
        const wait = Number(response.headers.get("Retry-After") || 5);
        timer = setTimeout(save, wait * 1000);
      } else {
        status.textContent = (await response.text()) || "The draft could not be saved.";
      }
    } catch {
      status.textContent = "The draft could not be saved: are you offline?";
    }
  };

  const later = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, WAIT_MS);
  };
  body.addEventListener("input", later);
  title?.addEventListener("input", later);
  form.addEventListener("submit", () => {
    submitting = true;
    if (timer) clearTimeout(timer);
  });
  // Leaving the page with unsaved words: one last save that survives the unload.
  window.addEventListener("pagehide", () => {
    if (submitting || !timer) return;
    clearTimeout(timer);
    const data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    data.append("body", body.value);
    if (title) data.append("title", title.value);
    if (replyTo) data.append("reply_to", replyTo.value);
    navigator.sendBeacon(form.dataset.draftUrl, data);
  });
}
